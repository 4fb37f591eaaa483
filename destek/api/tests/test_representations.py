"""ticket_detail_data is TicketDetailSerializer's output, key for key, value for value."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from django.utils import translation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from destek.api.representations import ticket_detail_data
from destek.api.serializers import TicketDetailSerializer
from destek.tickets.access import access_ticket_by_id
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Ticket
from destek.tickets.selectors import ticket_detail
from destek.tickets.services.changes import ticket_merge, ticket_update
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


def both(user, ticket: Ticket) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    request = Request(APIRequestFactory().get("/api/v1/tickets/", HTTP_HOST="help.example.com"))
    request.user = user
    ticket = access_ticket_by_id(actor=user, ticket_id=ticket.pk)
    detail = ticket_detail(actor=user, ticket=ticket, with_events=user.is_agent)
    context = {"request": request, "messages": detail.messages, "events": detail.events}
    by_drf = TicketDetailSerializer(ticket, context=context).data
    ours = ticket_detail_data(ticket, request=request, messages=detail.messages,
                              events=detail.events)
    # Same keys in the same order, same values, same JSON.
    return json.dumps(by_drf), json.dumps(ours)


@pytest.mark.parametrize("time_zone", ["Europe/Istanbul", "UTC"])
@pytest.mark.parametrize("language", ["en", "tr"])
def test_same_output_as_the_serializer(agent, customer, department, other_department,
                                       time_zone, language):
    ticket = open_ticket(customer=customer, department=department, cc=("boss@example.com",))
    ticket_update(actor=agent, ticket=ticket, assignee=agent, tags=["dns", "vip"],
                  priority=40)
    reply(ticket=ticket, author=agent, body="Looking", attachments=(
        InboundFile(name="log.txt", content=b"x", content_type="text/plain"),))
    reply(ticket=ticket, author=agent, body="Internal", internal=True)
    plain = open_ticket(customer=customer, department=other_department)
    merged = open_ticket(customer=customer, department=department)
    ticket_merge(actor=agent, source=merged, target=plain)
    with override_settings(TIME_ZONE=time_zone, ALLOWED_HOSTS=["help.example.com"]), \
            translation.override(language):
        for user in (agent, customer):
            for t in (ticket, plain, merged):
                drf, ours = both(user, t)
                assert ours == drf
