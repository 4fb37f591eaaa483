"""The one way to push to sockets: after the commit, coalesced, never breaking the caller.

A push is a small frame saying "look again" (ids only; the receiver re-reads over HTTP or
from the database, where permissions are checked). So a lost push only delays an update,
and the one error policy is: log it and go on, never fail a request that already committed.

* `push_on_commit(group, message, key=...)`: sent once (and only if) the transaction
  commits; with a key, at most once per key and transaction (a ticket opened and assigned
  in one transaction is announced once).
* `pushes_held()`: the pushes made inside are kept instead of sent, for a caller that sends
  them itself (a consumer, from its event loop: `send_async`) or all at once when a batch
  ends (`pushes_coalesced`: one trip to the event loop instead of one per transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from destek.core.compat import pending_on_commit_callbacks

logger = logging.getLogger(__name__)

Push = tuple[str, dict[str, Any]]  # (group, message)

TICKET_CHANGED = "desk.ticket_changed"
TICKETS_CHANGED = "desk.tickets_changed"  # several TICKET_CHANGED for one group, in order
ASSIGNED = "desk.assigned"  # to one agent's desks: a ticket was given to you
CHAT_WAITING = "desk.chat_waiting"  # to the desks of a chat's department: nobody took it yet
_TICKET_FIELDS = ("ticket_id", "department_id", "reference")

_held: ContextVar[list[Push] | None] = ContextVar("held_pushes", default=None)


class _OnCommit:
    """The on-commit callback of one push; `key` lets a later push find it still pending."""

    def __init__(self, pushes: list[Push], key: Hashable | None) -> None:
        self.pushes = pushes
        self.key = key
        self.done = False

    def __call__(self) -> None:
        self.done = True
        push_now(self.pushes)


def push_on_commit(group: str | Sequence[str], message: dict[str, Any], *,
                   key: Hashable | None = None) -> None:
    """Push `message` to `group` (or to each of several groups) once the current
    transaction commits; nothing if it rolls back. With `key`, a second push with the same
    key in the same transaction is dropped."""
    groups = [group] if isinstance(group, str) else list(group)
    if key is not None and transaction.get_connection().in_atomic_block and any(
        isinstance(callback, _OnCommit) and callback.key == key and not callback.done
        for callback in pending_on_commit_callbacks()
    ):
        return  # this transaction already announces it on commit
    transaction.on_commit(_OnCommit([(g, message) for g in groups], key), robust=True)


def push_now(pushes: list[Push]) -> None:
    """Send now (or keep, inside `pushes_held`)."""
    held = _held.get()
    if held is not None:
        held.extend(pushes)
        return
    send(pushes)


@contextmanager
def pushes_held() -> Iterator[list[Push]]:
    """Keep the pushes made inside (after their commits) in the yielded list, unsent."""
    held: list[Push] = []
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


@contextmanager
def pushes_coalesced() -> Iterator[None]:
    """Hold the pushes of the transactions inside and send them all in one trip to the event
    loop when the block ends: a worker filing a batch of emails pays for one `async_to_sync`
    round trip instead of one per ticket."""
    held: list[Push] = []
    try:
        with pushes_held() as held:
            yield
    finally:
        send(held)  # what committed before a failure is still announced


def send(pushes: list[Push]) -> None:
    """From synchronous code: every push in one trip to the event loop."""
    if not pushes:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        failures = async_to_sync(_send_all)(layer, pushes)
    except Exception:
        logger.exception("Could not push to the sockets")
        return
    # Logged here, back in this thread: a suite run on PostgreSQL hung (twice, in CI) in
    # async_to_sync while the event loop's thread logged a failed group_send.
    for group, error in failures:
        logger.error("Could not push to %s", group, exc_info=error)


async def _send_all(layer: Any, pushes: list[Push]) -> list[tuple[str, BaseException]]:
    failures: list[tuple[str, BaseException]] = []
    for group, message in _merged(pushes):
        try:
            await layer.group_send(group, message)
        except Exception as error:
            failures.append((group, error))
    return failures


async def send_async(layer: Any, pushes: list[Push]) -> None:
    """From the event loop. One send per group: a group hearing of several tickets gets
    them in one TICKETS_CHANGED message, which its consumers unpack (each group_send costs
    the channel layer a Redis script run per member)."""
    for group, error in await _send_all(layer, pushes):
        logger.error("Could not push to %s", group, exc_info=error)


def _merged(pushes: list[Push]) -> list[Push]:
    """The pushes in order, a group's several TICKET_CHANGED as one TICKETS_CHANGED (sent
    where the first of them was)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, message in pushes:
        by_group.setdefault(group, []).append(message)
    merged = {group for group, messages in by_group.items()
              if len(messages) > 1 and all(m.get("type") == TICKET_CHANGED for m in messages)}
    out: list[Push] = []
    for group, message in pushes:
        if group not in merged:
            out.append((group, message))
        elif by_group[group]:
            out.append((group, {"type": TICKETS_CHANGED, "tickets": [
                {name: m[name] for name in _TICKET_FIELDS} for m in by_group[group]]}))
            by_group[group] = []
    return out
