"""One function per kind of audit event, so the history reads the same whoever wrote it."""

from __future__ import annotations

from django.utils import timezone

from destek.accounts.models import User
from destek.tickets.models import EventKind, Ticket, TicketEvent


def _short(value: object) -> str:
    return "" if value is None else str(value)[:255]


def record(*, ticket: Ticket, actor: User | None, kind: EventKind, before: object = None,
           after: object = None) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, actor=actor if actor and actor.is_authenticated else None, kind=kind,
        before=_short(before), after=_short(after), created_at=timezone.now(),
    )


def record_many(events: list[TicketEvent]) -> None:
    TicketEvent.objects.bulk_create(events)
