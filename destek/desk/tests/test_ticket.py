"""The ticket screen and its actions: reply, note, fields, merge, canned responses, files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Organization
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import (
    Attachment,
    CannedResponse,
    EventKind,
    Message,
    Priority,
    Status,
    TicketEvent,
)
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


def url(name: str, ticket) -> str:
    return reverse(f"desk:{name}", args=[ticket.pk])


def test_ticket_page_shows_conversation_notes_history_and_customer(
        agent_client, agent, customer, department, ticket):
    customer.organization = Organization.objects.create(name="Example Hosting Ltd")
    customer.save()
    reply(ticket=ticket, author=agent, body="Looking into it")
    note = reply(ticket=ticket, author=agent, body="Customer is on the old cluster",
                 internal=True).message
    older = open_ticket(customer=customer, department=department, subject="Earlier problem")
    response = agent_client.get(url("ticket", ticket))
    assert response.status_code == 200
    text = response.text
    assert "My site returns 500." in text and "Looking into it" in text
    assert f'data-testid="message-{note.pk}"' in text
    assert 'class="card message-internal"' in text and 'data-testid="internal-note-badge"' in text
    assert 'data-testid="event-created"' in text and 'data-testid="event-note"' in text
    assert "Example Hosting Ltd" in text and customer.email in text
    assert older.reference in text
    for testid in ("reply-body", "reply-submit", "note-toggle", "reply-status", "field-status",
                   "presence", "live-status", "availability-toggle"):
        assert f'data-testid="{testid}"' in text


def test_public_reply_through_the_view(agent_client, agent, ticket):
    response = agent_client.post(url("reply", ticket), {"body": "Fixed, please check.",
                                                        "status": Status.PENDING})
    assert response.status_code == 302 and response.url == url("ticket", ticket)
    message = Message.objects.filter(ticket=ticket).latest("pk")
    assert (message.body_text, message.is_internal, message.author) == (
        "Fixed, please check.", False, agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.first_response_at is not None
    page = agent_client.get(response.url)
    assert "Reply sent." in page.text


def test_internal_note_through_the_view(agent_client, ticket):
    agent_client.post(url("reply", ticket), {"body": "Escalate to L2", "is_internal": "on"})
    message = Message.objects.filter(ticket=ticket).latest("pk")
    assert message.is_internal
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == Status.NEW


def test_empty_reply_shows_an_error_and_keeps_nothing(agent_client, ticket):
    response = agent_client.post(url("reply", ticket), {"body": "   "})
    assert response.status_code == 400
    assert "The message is empty." in response.text
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_reply_with_attachment_is_downloadable(agent_client, ticket):
    upload = SimpleUploadedFile("log.txt", b"error 500 at line 3", content_type="text/plain")
    agent_client.post(url("reply", ticket), {"body": "See log", "attachments": [upload]})
    attachment = Attachment.objects.get(ticket=ticket)
    page = agent_client.get(url("ticket", ticket))
    assert f'data-testid="attachment-{attachment.pk}"' in page.text
    download = agent_client.get(reverse("desk:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"error 500 at line 3"
    assert "attachment" in download["Content-Disposition"]


def test_forbidden_attachment_type_is_an_error_not_a_500(agent_client, ticket):
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = agent_client.post(url("reply", ticket), {"body": "x", "attachments": [upload]})
    assert response.status_code == 400
    assert "not accepted" in response.text


def test_field_changes_are_recorded_and_shown_in_history(agent_client, agent, ticket):
    colleague = AgentFactory(full_name="Ayşe Colleague")
    response = agent_client.post(url("update", ticket), {
        "status": Status.ON_HOLD, "priority": str(Priority.CRITICAL),
        "department": str(ticket.department_id), "assignee": str(colleague.pk),
        "tags": "dns, VIP", "cc": "boss@example.com, Boss@example.com",
    })
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.ON_HOLD and ticket.priority == Priority.CRITICAL
    assert ticket.assignee == colleague and ticket.cc_addresses == ["boss@example.com"]
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["dns", "vip"]
    kinds = set(TicketEvent.objects.filter(ticket=ticket, actor=agent).values_list("kind",
                                                                                   flat=True))
    assert {EventKind.STATUS, EventKind.PRIORITY, EventKind.ASSIGNEE, EventKind.TAGS,
            EventKind.CC} <= kinds
    page = agent_client.get(url("ticket", ticket)).text
    assert 'data-testid="event-status"' in page
    assert "<del>New</del> → <span>On hold</span>" in page
    assert "Ayşe Colleague" in page


def test_unchanged_fields_form_changes_nothing(agent_client, agent, ticket):
    ticket_update(actor=agent, ticket=ticket, assignee=agent)
    ticket.refresh_from_db()
    before = TicketEvent.objects.count()
    agent_client.post(url("update", ticket), {
        "status": ticket.status, "priority": str(ticket.priority),
        "department": str(ticket.department_id), "assignee": str(agent.pk), "tags": "", "cc": "",
    })
    assert TicketEvent.objects.count() == before


@pytest.mark.parametrize("change, error_testid", [
    ({"assignee": "999999"}, "field-error-assignee"),
    ({"cc": "not-an-address"}, "field-error-cc"),
    ({"status": "bogus"}, "field-error-status"),
    ({"department": "999999"}, "field-error-department"),
])
def test_invalid_field_changes_are_shown(agent_client, ticket, change, error_testid):
    data = {"status": ticket.status, "priority": str(ticket.priority),
            "department": str(ticket.department_id), "assignee": "", "tags": "", "cc": ""}
    response = agent_client.post(url("update", ticket), {**data, **change})
    assert response.status_code == 400
    assert f'data-testid="{error_testid}"' in response.text


def test_service_error_on_assignment_is_shown(agent_client, ticket, outsourced):
    """An outsourced agent from another department cannot take this ticket."""
    data = {"status": ticket.status, "priority": str(ticket.priority),
            "department": str(ticket.department_id), "assignee": str(outsourced.pk),
            "tags": "", "cc": ""}
    response = agent_client.post(url("update", ticket), data)
    assert response.status_code == 400
    assert "does not work in this department" in response.text
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_merge(agent_client, customer, department, ticket):
    target = open_ticket(customer=customer, department=department, subject="Same problem")
    # Nothing happens before the agent confirms on the page showing both tickets.
    response = agent_client.post(url("merge", ticket), {"target": target.reference})
    assert response.status_code == 302 and "/merge/confirm/" in response.url
    ticket.refresh_from_db()
    assert ticket.merged_into_id is None
    response = agent_client.post(url("merge", ticket), {"target": target.reference,
                                                        "confirmed": "1"})
    assert response.status_code == 302 and response.url == url("ticket", target)
    ticket.refresh_from_db()
    assert ticket.merged_into_id == target.pk and ticket.status == Status.CLOSED
    assert Message.objects.filter(ticket=target).count() == 2
    page = agent_client.get(url("ticket", ticket))
    assert 'data-testid="merged-banner"' in page.text and target.reference in page.text


@pytest.mark.parametrize("target", ["nonsense", "T-999999", "self", "other-customer"])
def test_merge_errors(agent_client, ticket, billing_ticket, target):
    value = {"self": ticket.reference, "other-customer": billing_ticket.reference}.get(target,
                                                                                      target)
    response = agent_client.post(url("merge", ticket), {"target": value, "confirmed": "1"})
    assert response.status_code == 400
    assert 'data-testid="merge-errors"' in response.text
    response = agent_client.get(url("merge_confirm", ticket), {"target": value})
    assert response.status_code == 400
    assert 'data-testid="merge-errors"' in response.text
    ticket.refresh_from_db()
    assert ticket.merged_into_id is None


def test_canned_responses_are_rendered_into_the_picker(agent_client, agent, customer, ticket,
                                                       other_department):
    CannedResponse.objects.create(title="Greeting",
                                  body="Hello {customer_name}, about {ticket_number}: {nope}")
    CannedResponse.objects.create(title="Billing only", body="x", department=other_department)
    page = agent_client.get(url("ticket", ticket)).text
    assert 'data-testid="canned-select"' in page
    assert f'data-body="Hello Deniz Müşteri, about {ticket.reference}: {{nope}}"' in page
    assert "Billing only" not in page


def test_ticket_view_escapes_untrusted_values(agent_client, customer, department):
    ticket = open_ticket(customer=customer, department=department,
                         subject="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")
    page = agent_client.get(url("ticket", ticket)).text
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
