"""What a webhook says: the `data` of each event (JSON values only), and the text a chat
room shows. Built in the change's transaction, only when an endpoint listens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from destek.notifications.links import agent_ticket_url
from destek.tickets.models import AuthorKind, Message, Priority, Status, Ticket
from destek.webhooks.models import EventType

BODY_CHARS = 20_000  # a message's text in a payload, at most


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    assignee = ticket.assignee
    department = ticket.department
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "priority_label": str(Priority(ticket.priority).label),
        "channel": ticket.channel,
        "department": {"id": department.pk, "name": department.name} if department else None,
        "assignee": ({"id": assignee.pk, "name": assignee.full_name, "email": assignee.email}
                     if assignee else None),
        "customer": {"id": customer.pk, "email": customer.email} if customer else None,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "url": agent_ticket_url(ticket),
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "author_kind": message.author_kind,
        "author_id": message.author_id,
        "channel": message.channel,
        "body_text": message.body_text[:BODY_CHARS],
        "is_auto_reply": message.is_auto_reply,
        "created_at": _iso(message.created_at),
    }


def message_event_type(message: Message) -> str | None:
    """message.customer / message.agent; None for internal notes and system lines (never
    told outside)."""
    if message.is_internal:
        return None
    if message.author_kind == AuthorKind.CUSTOMER:
        return EventType.MESSAGE_CUSTOMER
    if message.author_kind == AuthorKind.AGENT:
        return EventType.MESSAGE_AGENT
    return None


def ticket_payload(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    return {"ticket": ticket_data(ticket), **extra}


def chat_text(event_type: str, payload: dict[str, Any]) -> str:
    """One line for a chat room: a rule's own text, else the event and its ticket."""
    if payload.get("text"):
        return str(payload["text"])
    try:
        label = str(EventType(event_type).label)
    except ValueError:
        label = event_type
    ticket = payload.get("ticket")
    if isinstance(ticket, dict):
        status = ticket.get("status", "")
        if status in Status.values:
            status = str(Status(status).label)
        return (f"{label}: {ticket.get('reference', '')} {ticket.get('subject', '')} "
                f"({ticket.get('priority_label', '')}, {status}) {ticket.get('url', '')}")
    if event_type == EventType.TEST:
        return _("Destek test message: this channel receives Destek's notifications.")
    return label
