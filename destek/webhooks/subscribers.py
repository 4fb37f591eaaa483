"""Domain events → outbox rows for the endpoints subscribed to them (helper "webhooks")."""

from __future__ import annotations

from typing import Any

from destek.sla.domain_events import SlaAlerted
from destek.tickets.domain_events import MessagePosted, TicketAssigned, TicketOpened, TicketUpdated


def on_ticket_opened(event: TicketOpened) -> None:
    pass


def on_message_posted(event: MessagePosted) -> None:
    pass


def on_ticket_updated(event: TicketUpdated) -> None:
    pass


def on_ticket_assigned(event: TicketAssigned) -> None:
    pass


def on_sla_alerted(event: SlaAlerted) -> None:
    pass


def on_external(event_type: str, payload: dict[str, Any]) -> None:
    """An event of an app above this one (a rating, a chat ended), handed over by wiring."""
