"""One function per kind of audit event, so the history reads the same whoever wrote it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from destek.accounts.models import User
from destek.tickets.models import EventKind, Ticket, TicketEvent


def _short(value: object) -> str:
    return "" if value is None else str(value)[:255]


def build(*, ticket: Ticket, actor: User | None, kind: EventKind, before: object = None,
          after: object = None, at: datetime | None = None) -> TicketEvent:
    """An unsaved event, for `record_many` (several events of one change in one INSERT)."""
    return TicketEvent(
        ticket=ticket, actor=actor if actor and actor.is_authenticated else None, kind=kind,
        before=_short(before), after=_short(after), created_at=at or timezone.now(),
    )


def record(*, ticket: Ticket, actor: User | None, kind: EventKind, before: object = None,
           after: object = None) -> TicketEvent:
    event = build(ticket=ticket, actor=actor, kind=kind, before=before, after=after)
    event.save(force_insert=True)
    return event


def record_many(events: list[TicketEvent]) -> list[TicketEvent]:
    """One INSERT for all of them; their pks are set (PostgreSQL, SQLite >= 3.35)."""
    return TicketEvent.objects.bulk_create(events)


def message_numbers(ids: list[int]) -> str:
    """"#12, #13" for the history of messages that moved, cut to fit an event's column."""
    text = ", ".join(f"#{pk}" for pk in sorted(ids))
    return text if len(text) <= 255 else text[:text.rfind(",", 0, 252)] + ", …"
