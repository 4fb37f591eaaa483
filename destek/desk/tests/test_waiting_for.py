"""Issue 17: the desk sets what a waiting ticket waits for; the portal shows it to the
customer (the note as written, escaped)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.conftest import login
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def fields(ticket: Ticket, **changes: str) -> dict[str, str]:
    return {"status": ticket.status, "priority": str(ticket.priority),
            "department": str(ticket.department_id), "assignee": "", "tags": "", "cc": "",
            **changes}


def test_the_properties_form_sets_and_clears_the_reason(agent_client, customer, department):
    customer_client = login(Client(), customer)
    ticket = open_ticket(customer=customer, department=department)
    page = agent_client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert 'name="waiting_for"' in page and 'name="waiting_note"' in page

    response = agent_client.post(reverse("desk:update", args=[ticket.pk]), fields(
        ticket, status=Status.ON_HOLD, waiting_for="provider",
        waiting_note="Registry <b>answers</b> Friday"))
    assert response.status_code == 302
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.status, row.waiting_for) == (Status.ON_HOLD, "provider")

    portal = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content
    text = portal.decode()
    assert ("Waiting for: a provider or vendor (e.g. the domain registry, the data centre) — "
            "Registry &lt;b&gt;answers&lt;/b&gt; Friday") in text

    agent_client.post(reverse("desk:update", args=[ticket.pk]), fields(row, status=Status.OPEN))
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.waiting_for, row.waiting_note) == ("", "")
    portal = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content
    assert b'data-testid="waiting-for"' not in portal


def test_the_reply_form_sets_the_reason_with_the_status(agent_client, customer, department):
    ticket = open_ticket(customer=customer, department=department)
    response = agent_client.post(reverse("desk:reply", args=[ticket.pk]), {
        "body": "We asked the registry.", "status": Status.ON_HOLD,
        "waiting_for": "scheduled", "waiting_note": "Saturday 02:00"})
    assert response.status_code == 302
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.status, row.waiting_for, row.waiting_note) == (
        Status.ON_HOLD, "scheduled", "Saturday 02:00")
