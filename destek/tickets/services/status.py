"""Status bookkeeping shared by the funnel and the change services."""

from __future__ import annotations

from datetime import datetime

from destek.tickets.models import Status, Ticket


def status_after_message(status: str, *, by_agent: bool) -> str:
    """The status a public message leaves a ticket in: an agent's first reply opens a new
    ticket, a customer's reply reopens a pending, on-hold, resolved or closed one."""
    if by_agent:
        return Status.OPEN if status == Status.NEW else status
    return status if status in (Status.NEW, Status.OPEN) else Status.OPEN


def stamp_status_times(ticket: Ticket, old_status: str, now: datetime,
                       changed: list[str]) -> None:
    """Keep resolved_at / closed_at consistent with a status change; extend `changed`."""
    if ticket.status == old_status:
        return
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
