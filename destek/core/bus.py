"""A small in-process domain-event bus.

Services publish facts ("a ticket was opened"); the composition root (destek.wiring) decides
who listens. Handlers run synchronously inside the caller's transaction, so a handler that
writes (the email outbox) commits or rolls back with the change; handlers that talk to the
outside world (WebSocket pushes, task enqueueing) must defer with transaction.on_commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")
_handlers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: object) -> None:
    for handler in _handlers.get(type(event), ()):
        handler(event)
