"""Status bookkeeping shared by the funnel and the change services."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from destek.core.errors import ApplicationError
from destek.tickets.models import WAITING_STATUSES, Status, Ticket, WaitingFor


def status_after_message(status: str, *, by_agent: bool) -> str:
    """The status a public message leaves a ticket in: an agent's first reply opens a new
    ticket, a customer's reply reopens a pending, on-hold, resolved or closed one."""
    if by_agent:
        return Status.OPEN if status == Status.NEW else status
    return status if status in (Status.NEW, Status.OPEN) else Status.OPEN


def stamp_status_times(ticket: Ticket, old_status: str, now: datetime,
                       changed: list[str]) -> None:
    """Keep resolved_at / closed_at consistent with a status change, and clear what a ticket
    waited for once it no longer waits; extend `changed`."""
    if ticket.status == old_status:
        return
    if ticket.status not in WAITING_STATUSES and (ticket.waiting_for or ticket.waiting_note):
        ticket.waiting_for = ""
        ticket.waiting_note = ""
        changed.extend(["waiting_for", "waiting_note"])
    if ticket.status == Status.RESOLVED:
        ticket.resolved_at = now
        changed.append("resolved_at")
    elif ticket.status == Status.CLOSED:
        ticket.closed_at = now
        changed.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            changed.append("resolved_at")
    elif old_status in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = None
        ticket.closed_at = None
        changed.extend(["resolved_at", "closed_at"])


def apply_waiting(ticket: Ticket, waiting_for: str | None, waiting_note: str | None,
                  changed: list[str]) -> None:
    """Set what a waiting ticket waits for (None leaves a value as it is); extend `changed`."""
    if waiting_for is not None and waiting_for != ticket.waiting_for:
        if waiting_for not in WaitingFor.values:
            raise ApplicationError(_("Choose what the ticket waits for."), field="waiting_for")
        ticket.waiting_for = waiting_for
        changed.append("waiting_for")
    if waiting_note is not None:
        clean = " ".join(waiting_note.split())[:200]
        if clean != ticket.waiting_note:
            ticket.waiting_note = clean
            changed.append("waiting_note")
