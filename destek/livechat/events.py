"""Channel-layer notifications for chat: tiny frames that say "look in the database".

Group names live here so that services (which publish) and consumers (which listen) cannot
drift apart. Publishing happens after the commit: nothing is announced that could roll back.

A consumer calls services on a worker thread; from there a publish would have to hop back
onto the event loop and hold the thread (and its database connection) until Redis answered.
So consumers run services through `collecting()`, which keeps what the service publishes
after its commit, and then send it from the loop with `send_collected()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")
Collected = list[tuple[str, dict[str, Any]]]
_collector: ContextVar[Collected | None] = ContextVar("livechat_collector", default=None)

QUEUE = "chat.queue"  # every agent console: the waiting list and the supervisor view changed


def conversation_group(conversation_id: int) -> str:
    return f"chat.conv.{conversation_id}"


def agent_group(agent_id: int) -> str:
    return f"chat.agent.{agent_id}"


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish(group, event), robust=True)


def publish(group: str, event: dict[str, Any]) -> None:
    """A lost notification only delays delivery (clients resume from their last seq and
    consoles refresh), so a broken channel layer is logged, never raised."""
    collected = _collector.get()
    if collected is not None:
        collected.append((group, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.exception("Could not notify %s", group)


def collecting(func: Callable[..., T]) -> Callable[..., tuple[T, Collected]]:
    """`func` with what it published (after its commits) returned instead of sent."""

    def run(*args: Any, **kwargs: Any) -> tuple[T, Collected]:
        collected: Collected = []
        token = _collector.set(collected)
        try:
            result = func(*args, **kwargs)
        except BaseException:
            _collector.reset(token)
            for group, event in collected:  # committed before the failure: still announced
                publish(group, event)
            raise
        _collector.reset(token)
        return result, collected

    return run


async def send_collected(layer: Any, collected: Collected) -> None:
    for group, event in collected:
        try:
            await layer.group_send(group, event)
        except Exception:
            logger.exception("Could not notify %s", group)


def message_stored(conversation_id: int, seq: int, frame: dict[str, Any] | None = None) -> None:
    """`frame` is a copy of the stored message: a receiver that is exactly one behind sends it
    on without a query; any other receiver reads what it misses from the database."""
    event: dict[str, Any] = {"type": "chat.notify", "conversation": conversation_id, "seq": seq}
    if frame is not None:
        event["message"] = frame
    publish_on_commit(conversation_group(conversation_id), event)


def conversation_changed(conversation_id: int, *, agent_ids: tuple[int | None, ...] = ()) -> None:
    """State, agent or department changed: the visitor, the agents concerned and the queue."""
    event = {"type": "chat.changed", "conversation": conversation_id}
    publish_on_commit(conversation_group(conversation_id), event)
    for agent_id in dict.fromkeys(agent_ids):
        if agent_id:
            publish_on_commit(agent_group(agent_id), event)
    publish_on_commit(QUEUE, {"type": "chat.queue", "conversation": conversation_id})


def read_moved(conversation_id: int, side: str, seq: int) -> None:
    publish_on_commit(conversation_group(conversation_id),
                      {"type": "chat.read", "conversation": conversation_id, "side": side,
                       "seq": seq})
