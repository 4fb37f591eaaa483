"""Domain events → outbox rows for the endpoints subscribed to them.

The hot path: which endpoints listen is one cache read (selectors.subscriptions); with none
listening to an event nothing else is done, no payload built and no query made."""

from __future__ import annotations

from typing import Any

from destek.sla.domain_events import SlaAlerted
from destek.tickets.domain_events import MessagePosted, TicketAssigned, TicketOpened, TicketUpdated
from destek.tickets.models import Ticket
from destek.webhooks import payloads, selectors
from destek.webhooks.models import EventType
from destek.webhooks.outbox import enqueue


def _emit(event_type: str, build: Any) -> None:
    listeners = selectors.subscriber_ids(event_type)
    if listeners:
        enqueue(endpoints=listeners, event_type=event_type, payload=build())


def on_ticket_opened(event: TicketOpened) -> None:
    message = event.message
    _emit(EventType.TICKET_CREATED, lambda: payloads.ticket_payload(
        event.ticket, message=(payloads.message_data(message)
                               if message is not None and not message.is_internal else None)))


def on_message_posted(event: MessagePosted) -> None:
    event_type = payloads.message_event_type(event.message)
    if event_type is None:  # internal notes and system lines stay inside
        return
    _emit(event_type, lambda: payloads.ticket_payload(
        event.ticket, message=payloads.message_data(event.message)))


def on_ticket_updated(event: TicketUpdated) -> None:
    _emit(EventType.TICKET_UPDATED, lambda: payloads.ticket_payload(
        event.ticket, changed=list(event.fields), previous_status=event.previous_status))


def on_ticket_assigned(event: TicketAssigned) -> None:
    _emit(EventType.TICKET_ASSIGNED, lambda: payloads.ticket_payload(
        event.ticket, assigned_by=event.actor.pk if event.actor else None))


def on_sla_alerted(event: SlaAlerted) -> None:
    event_type = EventType.SLA_BREACH if event.kind == "breach" else EventType.SLA_WARNING
    _emit(event_type, lambda: payloads.ticket_payload(event.ticket, metric=event.metric))


def on_external(event_type: str, payload: dict[str, Any]) -> None:
    """An event of an app above this one (a rating, a chat ended), handed over by wiring:
    its facts, with the ticket's data when there is a ticket."""
    def build() -> dict[str, Any]:
        data = dict(payload)
        ticket_id = payload.get("ticket_id")
        ticket = Ticket.objects.filter(pk=ticket_id).select_related(
            "customer", "assignee", "department").first() if ticket_id else None
        if ticket is not None:
            data["ticket"] = payloads.ticket_data(ticket)
        return data

    _emit(event_type, build)
