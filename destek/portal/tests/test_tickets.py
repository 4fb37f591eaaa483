"""A signed-in customer lists, opens, reads, replies to, closes and reopens tickets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.accounts.factories import DepartmentFactory
from destek.portal.tests.conftest import inbound_file, stored_files, upload
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import (
    Attachment,
    AuthorKind,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
)
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db

LIST = reverse("portal:ticket_list")
NEW = reverse("portal:ticket_new")


def detail_url(ticket: Ticket) -> str:
    return reverse("portal:ticket_detail", args=[ticket.pk])


def new_ticket_data(department, **overrides):  # type: ignore[no-untyped-def]
    data = {"department": department.pk, "priority": Priority.HIGH, "subject": "Mail bounces",
            "body": "Every message to info@ bounces.\n\nSince this morning."}
    data.update(overrides)
    return data


# --- who may enter ---------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client, ticket):
    for url in (LIST, NEW, detail_url(ticket)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_agents_are_sent_to_the_desk(agent_client, ticket):
    response = agent_client.get(detail_url(ticket))
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert agent_client.get(LIST)["Location"] == "/desk/"
    assert agent_client.post(reverse("portal:ticket_close", args=[ticket.pk])).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


# --- list ------------------------------------------------------------------------------------

def test_empty_list_invites_to_open_a_ticket(customer_client):
    response = customer_client.get(LIST)
    assert response.status_code == 200
    assert b'data-testid="empty-state"' in response.content
    assert NEW.encode() in response.content


def test_list_shows_only_own_tickets(customer_client, customer, other_customer, department):
    mine = open_ticket(customer=customer, department=department, subject="My VPS is slow")
    theirs = open_ticket(customer=other_customer, department=department, subject="Their DNS")
    response = customer_client.get(LIST)
    content = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in content
    assert "My VPS is slow" in content
    assert "Technical support" in content
    assert 'data-testid="ticket-status"' in content
    assert theirs.reference not in content
    assert "Their DNS" not in content


def test_list_shows_department_in_the_page_language(customer_client, ticket):
    customer_client.cookies["django_language"] = "tr"
    assert "Teknik destek" in customer_client.get(LIST).content.decode()


def test_list_pages_with_an_older_link(customer_client, customer, department, monkeypatch):
    monkeypatch.setattr("destek.portal.views.tickets.PAGE_SIZE", 3)
    tickets = [open_ticket(customer=customer, department=department, subject=f"Ticket {i}")
               for i in range(5)]
    first = customer_client.get(LIST)
    assert first.context["page"].items == tickets[::-1][:3]
    cursor = first.context["page"].next_cursor
    assert cursor and b'data-testid="older-link"' in first.content
    second = customer_client.get(LIST, {"cursor": cursor})
    assert second.context["page"].items == tickets[::-1][3:]
    assert second.context["page"].next_cursor is None
    assert b'data-testid="newest-link"' in second.content


def test_a_garbled_cursor_shows_the_first_page(customer_client, ticket):
    response = customer_client.get(LIST, {"cursor": "not-a-cursor!!"})
    assert response.status_code == 200
    assert ticket.reference in response.content.decode()


# --- opening a ticket ------------------------------------------------------------------------

def test_new_ticket_form_offers_public_departments_in_the_page_language(customer_client,
                                                                        department):
    DepartmentFactory(name="Internal escalations", is_public=False)
    customer_client.cookies["django_language"] = "tr"
    response = customer_client.get(NEW)
    content = response.content.decode()
    assert response.status_code == 200
    for testid in ("new-ticket-form", "new-ticket-subject", "new-ticket-body",
                   "new-ticket-department", "new-ticket-priority", "new-ticket-attachments",
                   "new-ticket-submit"):
        assert f'data-testid="{testid}"' in content
    assert "Teknik destek" in content
    assert "Internal escalations" not in content
    assert 'multiple' in content and 'enctype="multipart/form-data"' in content


def test_customer_opens_a_ticket_with_attachments(customer_client, customer, department):
    data = new_ticket_data(department, attachments=[
        upload("screenshot.png", b"\x89PNG fake", "image/png"), upload("notes.txt")])
    response = customer_client.post(NEW, data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(ticket)
    assert ticket.customer == customer
    assert ticket.channel == Channel.PORTAL
    assert ticket.priority == Priority.HIGH
    assert ticket.department == department
    assert ticket.subject == "Mail bounces"
    message = ticket.messages.get()
    assert message.author == customer and message.author_kind == AuthorKind.CUSTOMER
    assert message.body_text.startswith("Every message to info@ bounces.")
    names = sorted(ticket.attachments.values_list("original_name", flat=True))
    assert names == ["notes.txt", "screenshot.png"]

    page = customer_client.get(response["Location"])
    content = page.content.decode()
    assert f"Your ticket {ticket.reference} has been opened" in content
    assert 'data-testid="attachment-link"' in content
    notes = ticket.attachments.get(original_name="notes.txt")
    download = customer_client.get(reverse("portal:attachment", args=[notes.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hello from the customer"
    assert "attachment" in download["Content-Disposition"]


def test_a_double_submitted_form_opens_one_ticket(customer_client, department):
    data = new_ticket_data(department, submission_id="6c1f2f5e-8f77-4d34-9d1b-8f0f1d3d6a11")
    first = customer_client.post(NEW, data)
    second = customer_client.post(NEW, data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]


def _assert_nothing_stored(settings) -> None:  # type: ignore[no-untyped-def]
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


def test_missing_subject_is_refused(customer_client, department, settings):
    response = customer_client.post(NEW, new_ticket_data(department, subject=""))
    assert response.status_code == 400
    assert 'data-testid="error-subject"' in response.content.decode()
    assert "This field is required." in response.content.decode()
    _assert_nothing_stored(settings)


def test_blank_subject_is_refused_by_the_funnel(customer_client, department, settings):
    response = customer_client.post(NEW, new_ticket_data(department, subject="   "))
    assert response.status_code == 400
    _assert_nothing_stored(settings)


def test_forbidden_file_type_is_refused(customer_client, department, settings):
    data = new_ticket_data(department, attachments=[
        upload("notes.txt"), upload("setup.exe", b"MZ\x90\x00", "application/octet-stream")])
    response = customer_client.post(NEW, data)
    content = response.content.decode()
    assert response.status_code == 400
    assert "Files of type .exe are not accepted." in content
    assert 'data-testid="error-attachments"' in content
    assert "Mail bounces" in content  # what was typed is kept
    _assert_nothing_stored(settings)


def test_too_large_file_is_refused(customer_client, department, settings):
    settings.DESTEK_ATTACHMENT_MAX_BYTES = 1024
    data = new_ticket_data(department, attachments=[upload("dump.txt", b"x" * 2048)])
    response = customer_client.post(NEW, data)
    assert response.status_code == 400
    assert "dump.txt is larger than the limit" in response.content.decode()
    _assert_nothing_stored(settings)


def test_a_private_department_cannot_be_chosen(customer_client, settings):
    private = DepartmentFactory(name="Internal", is_public=False)
    response = customer_client.post(NEW, new_ticket_data(private))
    assert response.status_code == 400
    assert 'data-testid="error-department"' in response.content.decode()
    _assert_nothing_stored(settings)


def test_an_unknown_priority_is_refused(customer_client, department, settings):
    response = customer_client.post(NEW, new_ticket_data(department, priority="99"))
    assert response.status_code == 400
    _assert_nothing_stored(settings)


# --- reading and replying --------------------------------------------------------------------

def test_detail_shows_the_public_conversation(customer_client, ticket, agent):
    reply(ticket=ticket, author=agent, body="We are looking into it.")
    response = customer_client.get(detail_url(ticket))
    content = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in content and "Site is down" in content
    assert content.count('data-testid="message-body"') == 2
    assert "My site returns 500." in content
    assert "We are looking into it." in content
    assert 'data-testid="ticket-status" data-status="open"' in content
    assert 'data-testid="attachment-link"' in content
    for testid in ("reply-form", "reply-body", "reply-submit", "close-ticket"):
        assert f'data-testid="{testid}"' in content
    assert 'data-testid="reopen-ticket"' not in content


def test_message_text_is_escaped(customer_client, customer, department):
    ticket = open_ticket(customer=customer, department=department,
                         body="<script>alert('x')</script> & <b>bold</b>")
    content = customer_client.get(detail_url(ticket)).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;" in content


def test_customer_replies_with_an_attachment(customer_client, customer, ticket):
    url = reverse("portal:ticket_reply", args=[ticket.pk])
    response = customer_client.post(url, {"body": "Here is the log.",
                                          "attachments": [upload("log.txt", b"line")]})
    assert response.status_code == 302
    assert response["Location"] == detail_url(ticket)
    message = ticket.messages.order_by("pk").last()
    assert message.body_text == "Here is the log."
    assert message.author == customer and message.channel == Channel.PORTAL
    assert [a.original_name for a in message.attachments.all()] == ["log.txt"]
    page = customer_client.get(detail_url(ticket)).content.decode()
    assert "Your reply has been sent." in page and "Here is the log." in page


def test_an_empty_reply_is_refused(customer_client, ticket):
    response = customer_client.post(reverse("portal:ticket_reply", args=[ticket.pk]),
                                    {"body": "  "})
    assert response.status_code == 400
    assert "The message is empty." in response.content.decode()
    assert ticket.messages.count() == 1


def test_a_reply_with_a_forbidden_file_stores_nothing(customer_client, ticket, settings):
    before = stored_files(settings.MEDIA_ROOT)
    response = customer_client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {
        "body": "see attached", "attachments": [upload("run.bat", b"echo hi")]})
    assert response.status_code == 400
    assert "Files of type .bat are not accepted." in response.content.decode()
    assert ticket.messages.count() == 1
    assert stored_files(settings.MEDIA_ROOT) == before


def test_replying_to_a_resolved_ticket_reopens_it(customer_client, ticket, agent):
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    page = customer_client.get(detail_url(ticket)).content.decode()
    assert "Replying will reopen it." in page
    customer_client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "Broken again"})
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_writes_need_post(customer_client, ticket):
    for name in ("ticket_reply", "ticket_close", "ticket_reopen"):
        assert customer_client.get(reverse(f"portal:{name}", args=[ticket.pk])).status_code == 405


# --- closing and reopening -------------------------------------------------------------------

def test_customer_closes_and_reopens(customer_client, customer, ticket):
    close = customer_client.post(reverse("portal:ticket_close", args=[ticket.pk]), follow=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    content = close.content.decode()
    assert "The ticket has been closed." in content
    assert 'data-testid="reopen-ticket"' in content and 'data-testid="close-ticket"' not in content
    event = ticket.events.filter(kind=EventKind.STATUS).get()
    assert (event.actor, event.before, event.after) == (customer, Status.NEW, Status.CLOSED)

    reopen = customer_client.post(reverse("portal:ticket_reopen", args=[ticket.pk]), follow=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.closed_at is None
    assert "The ticket has been reopened." in reopen.content.decode()


def test_an_open_ticket_cannot_be_reopened(customer_client, ticket):
    response = customer_client.post(reverse("portal:ticket_reopen", args=[ticket.pk]),
                                    follow=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert "This ticket cannot be changed that way." in response.content.decode()


def test_reply_keeps_working_with_an_inbound_file(customer, department, customer_client):
    # A ticket opened elsewhere (e.g. by email) with an attachment shows in the portal too.
    ticket = open_ticket(customer=customer, department=department, channel=Channel.EMAIL,
                         attachments=(inbound_file("invoice.pdf", b"%PDF-1.4"),))
    content = customer_client.get(detail_url(ticket)).content.decode()
    assert "invoice.pdf" in content


# --- merged tickets --------------------------------------------------------------------------

def test_a_merged_ticket_points_to_its_target_and_takes_no_replies(customer_client, customer,
                                                                   department, agent):
    from destek.tickets.services.changes import ticket_merge

    source = open_ticket(customer=customer, department=department, subject="Old")
    target = open_ticket(customer=customer, department=department, subject="New")
    source_customer_message = source.messages.get()
    ticket_merge(actor=agent, source=source, target=target)
    content = customer_client.get(detail_url(source)).content.decode()
    assert 'data-testid="merged-notice"' in content and target.reference in content
    assert detail_url(target) in content
    assert 'data-testid="reply-form"' not in content
    assert 'data-testid="reopen-ticket"' not in content

    response = customer_client.post(reverse("portal:ticket_reply", args=[source.pk]),
                                    {"body": "hello?"}, follow=True)
    source.refresh_from_db()
    assert source.status == Status.CLOSED
    assert not Message.objects.filter(body_text="hello?").exists()
    assert "Please reply there." in response.content.decode()
    assert source_customer_message.pk in target.messages.values_list("pk", flat=True)
