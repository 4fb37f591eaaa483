"""Every desk door: anonymous → login, customers → 404, outsourced agents → 404 outside their
departments (and their queue never lists those tickets)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Attachment, Message, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(customer, department, ticket) -> Attachment:
    reply(ticket=ticket, author=customer, body="log attached",
          attachments=(_file(),))
    return Attachment.objects.get(ticket=ticket)


def _file():
    from destek.tickets.uploads import InboundFile

    return InboundFile(name="log.txt", content=b"secret log", content_type="text/plain")


def desk_requests(ticket, attachment) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("desk:queue"), {}),
        ("get", reverse("desk:queue_rows"), {}),
        ("post", reverse("desk:bulk"), {"ticket": [ticket.pk], "status": Status.CLOSED}),
        ("post", reverse("desk:availability"), {"available": "0"}),
        *ticket_requests(ticket, attachment),
    ]


def ticket_requests(ticket, attachment) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("desk:ticket", args=[ticket.pk]), {}),
        ("post", reverse("desk:reply", args=[ticket.pk]), {"body": "hi"}),
        ("post", reverse("desk:reply", args=[ticket.pk]), {"body": "hi", "is_internal": "on"}),
        ("post", reverse("desk:update", args=[ticket.pk]),
         {"status": Status.CLOSED, "priority": "20", "department": str(ticket.department_id)}),
        ("post", reverse("desk:merge", args=[ticket.pk]), {"target": ticket.reference}),
        ("get", reverse("desk:attachment", args=[attachment.pk]), {}),
    ]


def test_anonymous_is_sent_to_login(client, ticket, attachment):
    for method, path, data in desk_requests(ticket, attachment):
        response = getattr(client, method)(path, data)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("account_login")), path


def test_customer_gets_404_on_every_desk_url(customer_client, ticket, attachment):
    """Even for their own ticket: the desk is not a customer door."""
    for method, path, data in desk_requests(ticket, attachment):
        assert getattr(customer_client, method)(path, data).status_code == 404, path
    assert Message.objects.filter(ticket=ticket).count() == 2
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_outsourced_agent_gets_404_outside_their_departments(outsourced_client, ticket,
                                                             attachment):
    for method, path, data in ticket_requests(ticket, attachment):
        assert getattr(outsourced_client, method)(path, data).status_code == 404, path
    assert Message.objects.filter(ticket=ticket).count() == 2
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_outsourced_agent_works_inside_their_department(outsourced_client, billing_ticket):
    assert outsourced_client.get(reverse("desk:ticket", args=[billing_ticket.pk])
                                 ).status_code == 200
    response = outsourced_client.post(reverse("desk:reply", args=[billing_ticket.pk]),
                                      {"body": "Refund on its way"})
    assert response.status_code == 302


def test_outsourced_queue_never_lists_other_departments(outsourced_client, ticket,
                                                        billing_ticket, department):
    queries = [{}, {"queue": "all"}, {"queue": "unassigned"}, {"department": department.pk},
               {"q": ticket.reference}, {"q": "Website"}, {"q": ticket.customer.email}]
    for params in queries:
        for name in ("desk:queue", "desk:queue_rows"):
            text = outsourced_client.get(reverse(name), params).text
            assert f"queue-row-{ticket.pk}" not in text, params
            assert "Website down" not in text, params
    everything = outsourced_client.get(reverse("desk:queue"), {"queue": "all"}).text
    assert re.findall(r'data-testid="queue-row-(\d+)"', everything) == [str(billing_ticket.pk)]
    # their department filter and tabs show only their own department
    assert f'queue-tab-department-{department.pk}"' not in everything


def test_outsourced_cannot_merge_into_a_hidden_ticket(outsourced, other_department, customer,
                                                      department):
    mine = open_ticket(customer=customer, department=other_department)
    hidden = open_ticket(customer=customer, department=department)
    client = Client()
    client.force_login(outsourced)
    response = client.post(reverse("desk:merge", args=[mine.pk]), {"target": hidden.reference,
                                                                   "confirmed": "1"})
    assert response.status_code == 400
    assert "No such ticket." in response.text
    # Nor does the confirmation page show it.
    response = client.get(reverse("desk:merge_confirm", args=[mine.pk]),
                          {"target": hidden.reference})
    assert response.status_code == 400
    assert "No such ticket." in response.text and 'data-testid="merge-confirm"' not in response.text
    assert not Ticket.objects.filter(merged_into__isnull=False).exists()


def test_outsourced_cannot_move_a_ticket_to_a_foreign_department(outsourced_client,
                                                                 billing_ticket, department):
    response = outsourced_client.post(reverse("desk:update", args=[billing_ticket.pk]), {
        "status": billing_ticket.status, "priority": str(billing_ticket.priority),
        "department": str(department.pk), "assignee": "", "tags": "", "cc": ""})
    assert response.status_code == 400
    billing_ticket.refresh_from_db()
    assert billing_ticket.department_id != department.pk


def test_outsourced_cannot_download_a_hidden_attachment_by_id(outsourced_client, agent_client,
                                                              ticket):
    upload = SimpleUploadedFile("a.txt", b"internal", content_type="text/plain")
    agent_client.post(reverse("desk:reply", args=[ticket.pk]),
                      {"body": "note", "is_internal": "on", "attachments": [upload]})
    attachment = Attachment.objects.get(ticket=ticket)
    assert agent_client.get(reverse("desk:attachment", args=[attachment.pk])).status_code == 200
    assert outsourced_client.get(reverse("desk:attachment", args=[attachment.pk])
                                 ).status_code == 404
