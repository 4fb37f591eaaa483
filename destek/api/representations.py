"""The ticket representation every ticket endpoint answers with, built without DRF fields.

`TicketDetailSerializer` documents the shape (the OpenAPI schema is generated from it) and
`ticket_detail_data` produces it: the same keys, in the same order, with the same values.
A DRF serializer deep-copies its declared fields for every instance, nested ones included,
and dispatches per field; for one ticket with its conversation that costs more CPU than the
queries behind it. `destek/api/tests/test_representations.py` compares both outputs, so the
two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework.request import Request

from destek.accounts.models import User
from destek.api.serializers import PRIORITY_NAMES
from destek.tickets.models import Attachment, Message, Ticket, TicketEvent, format_reference

_MARKER = 2_147_483_629


def _datetime(value: datetime | None) -> str | None:
    """As rest_framework.fields.DateTimeField: in the current time zone, ISO 8601, 'Z'."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _absolute_url(request: Request | None, name: str) -> Callable[[int], str]:
    """`request.build_absolute_uri(reverse(name, args=[pk]))` for many pks."""
    path = reverse(name, args=[_MARKER])
    head, _marker, tail = (request.build_absolute_uri(path) if request is not None
                           else path).rpartition(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


def _person(user: User | None, *, with_email: bool = False) -> dict[str, Any] | None:
    if user is None:
        return None
    data: dict[str, Any] = {"id": user.pk, "name": user.display_name}
    if with_email:
        data["email"] = user.email
    return data


def _service(ticket: Ticket) -> dict[str, Any] | None:
    service = ticket.service  # no query when the ticket is about none
    if service is None:
        return None
    return {"id": service.pk, "kind": service.kind, "plan": service.plan,
            "domain": service.domain}


def _attachments(attachments: Iterable[Attachment],
                 url: Callable[[int], str]) -> list[dict[str, Any]]:
    return [{"id": a.pk, "name": a.original_name, "content_type": a.content_type,
             "size": a.size, "url": url(a.pk)} for a in attachments]


def ticket_detail_data(ticket: Ticket, *, request: Request | None, messages: list[Message],
                       events: list[TicketEvent]) -> dict[str, Any]:
    """What `TicketDetailSerializer(ticket, context=...)` returns (department, customer and
    assignee loaded; each message's author and attachments loaded; events' actors loaded)."""
    user = getattr(request, "user", None)
    is_agent = bool(user is not None and user.is_authenticated and user.is_agent)
    attachment_url = _absolute_url(request, "api:attachment-download")
    tags: list[str] = []
    if is_agent:
        tags = [t.name for t in ticket.tags.all()]
    return {
        "id": ticket.pk,
        "reference": format_reference(ticket.pk),
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": PRIORITY_NAMES.get(ticket.priority, str(ticket.priority)),
        "channel": ticket.channel,
        "department": {"id": ticket.department.pk,
                       "name": ticket.department.localized_name(get_language())},
        "customer": _person(ticket.customer, with_email=True),
        "assignee": _person(ticket.assignee),
        "tags": tags,
        "message_count": ticket.message_count,
        "created_at": _datetime(ticket.created_at),
        "updated_at": _datetime(ticket.updated_at),
        "last_customer_message_at": _datetime(ticket.last_customer_message_at),
        "url": _absolute_url(request, "api:ticket-detail")(ticket.pk),
        "cc": [str(a) for a in ticket.cc_addresses],
        "first_response_at": _datetime(ticket.first_response_at),
        "last_agent_message_at": _datetime(ticket.last_agent_message_at),
        "resolved_at": _datetime(ticket.resolved_at),
        "closed_at": _datetime(ticket.closed_at),
        "merged_into": ticket.merged_into_id,
        "service": _service(ticket),
        "messages": [{
            "id": m.pk,
            "ticket_id": m.ticket_id,
            "author": _person(m.author),
            "author_kind": m.author_kind,
            "is_internal": m.is_internal,
            "sender_verified": m.sender_verified,
            "body_html": m.body_html,
            "body_text": m.body_text,
            "channel": m.channel,
            "created_at": _datetime(m.created_at),
            "attachments": _attachments(m.attachments.all(), attachment_url),
        } for m in messages],
        "history": [{
            "kind": e.kind,
            "actor": _person(e.actor),
            "before": e.before,
            "after": e.after,
            "created_at": _datetime(e.created_at),
        } for e in events],
    }
