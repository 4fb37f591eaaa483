"""Ticket domain events → SLA deadlines (wired in destek.wiring). They run inside the
service's transaction, so the stored deadlines always match the committed ticket."""

from __future__ import annotations

from destek.sla.services.oncall import alert_on_call_if_needed
from destek.sla.services.refresh import sla_refresh
from destek.tickets.domain_events import MessagePosted, TicketOpened, TicketUpdated
from destek.tickets.models import AuthorKind

# Changes that can move a deadline or pick another policy; an assignment alone cannot.
SLA_FIELDS = frozenset({"status", "priority", "department", "channel", "resolved_at",
                        "closed_at", "merged_into", "message_count"})


def on_ticket_opened(event: TicketOpened) -> None:
    message = event.message
    by_customer = message.author_kind == AuthorKind.CUSTOMER
    sla = sla_refresh(ticket=event.ticket, now=message.created_at, created=True,
                      customer_waiting=by_customer, at=message.created_at)
    alert_on_call_if_needed(ticket=event.ticket, now=message.created_at,
                            due_at=sla.due_at if sla else None, new_ticket=True)


def on_message_posted(event: MessagePosted) -> None:
    message = event.message
    if message.is_internal or message.is_auto_reply:
        return  # a note or an out-of-office changes no clock
    by_customer = message.author_kind == AuthorKind.CUSTOMER
    sla_refresh(ticket=event.ticket, now=message.created_at, at=message.created_at,
                customer_waiting=by_customer, agent_answered=not by_customer)


def on_ticket_updated(event: TicketUpdated) -> None:
    if not SLA_FIELDS.intersection(event.fields):
        return
    sla = sla_refresh(ticket=event.ticket)
    if "priority" in event.fields or "status" in event.fields:
        alert_on_call_if_needed(ticket=event.ticket, due_at=sla.due_at if sla else None)
