"""What a trigger is run on: one event, its ticket, and the facts the event adds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from destek.accounts.models import User
    from destek.tickets.models import Message, Ticket


@dataclass(frozen=True)
class Happening:
    event: str  # a TriggerEvent value
    ticket: Ticket | None  # None: a chat ended without a ticket, a rating of such a chat
    message: Message | None = None  # the message the event is about (created, replied)
    actor: User | None = None
    # What the event adds: {"score": 1, "comment": "…"} for a rating, {"metric": …} for an
    # SLA alert, {"conversation_id": …, "email": …} for a chat.
    facts: dict[str, Any] = field(default_factory=dict)
