"""Domain events → WebSocket pushes to open desks, after the transaction commits.

The push carries only identifiers (ticket id, department id, reference). Browsers react by
re-fetching the queue rows or the ticket over HTTP, where the permission checks run, so no
ticket content ever travels over the channel layer to someone who may not see it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from destek.realtime import groups
from destek.tickets.models import Ticket

logger = logging.getLogger(__name__)

TICKET_CHANGED = "desk.ticket_changed"
TICKETS_CHANGED = "desk.tickets_changed"  # several TICKET_CHANGED for one group, in order


class HasTicket(Protocol):
    @property
    def ticket(self) -> Ticket: ...


def ticket_changed_message(ticket: Ticket) -> dict[str, Any]:
    return {
        "type": TICKET_CHANGED,
        "ticket_id": ticket.pk,
        "department_id": ticket.department_id,
        "reference": ticket.reference,
    }


def on_ticket_changed(event: HasTicket) -> None:
    """Subscribed (in destek.wiring) to TicketOpened, MessagePosted, TicketAssigned and
    TicketUpdated. Runs inside the service's transaction, so it only schedules the push:
    nothing is announced that could still roll back.

    One push per ticket (and department) per transaction: opening a ticket that routing
    assigns publishes two events, and desks only need to hear "this ticket changed" once.
    """
    message = ticket_changed_message(event.ticket)
    key = (message["ticket_id"], message["department_id"])
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "destek_push_key", None) == key and not callback.done
        for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return  # this transaction already announces this ticket on commit

    def announce() -> None:
        announce.done = True  # type: ignore[attr-defined]
        push(message)

    announce.destek_push_key = key  # type: ignore[attr-defined]
    announce.done = False  # type: ignore[attr-defined]
    transaction.on_commit(announce, robust=True)


_held: ContextVar[list[dict[str, Any]] | None] = ContextVar("held_pushes", default=None)


@contextmanager
def pushes_coalesced() -> Iterator[None]:
    """Hold the pushes of the transactions inside (they run on commit) and send them all in
    one trip to the event loop when the block ends: a worker filing a batch of emails pays
    for one `async_to_sync` round trip instead of one per ticket."""
    token = _held.set([])
    try:
        yield
    finally:
        messages = _held.get() or []
        _held.reset(token)
        if messages:
            _deliver(messages)


def push(message: dict[str, Any]) -> None:
    """Send to everyone-agents and to the ticket's department; never fail the caller.

    A lost push only delays an update (desks also refresh on a timer and on reconnect), so a
    broken channel layer is logged, not raised into a request that already committed.
    """
    held = _held.get()
    if held is not None:
        held.append(message)
        return
    _deliver([message])


def _deliver(messages: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send_to_desks)(layer, messages)
    except Exception:
        logger.exception("Could not push a ticket change to the desks")


async def _send_to_desks(layer: Any, messages: list[dict[str, Any]]) -> None:
    """Every send in one trip to the event loop, and one send per group: a group hearing of
    several tickets (a batch of emails, a bulk change) gets them in one TICKETS_CHANGED
    message, which its consumers unpack (each group_send costs the channel layer a Redis
    script run per member)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        by_group.setdefault(groups.ALL, []).append(message)
        by_group.setdefault(groups.department_group(message["department_id"]), []).append(
            message)
    for group, heard in by_group.items():
        if len(heard) == 1:
            await layer.group_send(group, heard[0])
        else:
            await layer.group_send(group, {"type": TICKETS_CHANGED, "tickets": [
                {key: m[key] for key in ("ticket_id", "department_id", "reference")}
                for m in heard]})
