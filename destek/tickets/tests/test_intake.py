"""The intake funnel: opening, threading, deduplication, validation."""

from __future__ import annotations

import pytest

from destek.core.errors import ApplicationError
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, EventKind, Message, Status, Ticket
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


def test_customer_opens_ticket_with_sanitized_html(customer, department):
    result = receive(InboundMessage(
        channel=Channel.PORTAL, author=customer, department_id=department.pk,
        subject="  Site   down ", body_html='<p onclick="x()">Hi<script>alert(1)</script></p>',
    ))
    ticket = result.ticket
    assert result.created_ticket and not result.duplicate
    assert ticket.subject == "Site down"
    assert ticket.status == Status.NEW
    assert ticket.customer == customer
    assert ticket.last_customer_message_at is not None
    assert result.message.body_html == "<p>Hi</p>"
    assert result.message.body_text == "Hi"
    assert list(ticket.events.values_list("kind", "after")) == [(EventKind.CREATED, "Portal")]


def test_customers_choose_only_public_departments(customer, department):
    department.is_public = False
    department.save(update_fields=["is_public"])
    for department_id in (department.pk, department.pk + 1000):
        with pytest.raises(ApplicationError, match="Choose a valid department"):
            receive(InboundMessage(channel=Channel.PORTAL, author=customer, subject="s",
                                   body_text="b", department_id=department_id))
    assert not Ticket.objects.exists()


def test_same_external_id_is_stored_once(customer, department):
    inbound = InboundMessage(channel=Channel.API, author=customer, department_id=department.pk,
                             subject="Once", body_text="only once", external_id="key-1")
    first = receive(inbound)
    second = receive(inbound)
    assert second.duplicate and second.ticket.pk == first.ticket.pk
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_unknown_sender_becomes_customer(department):
    result = receive(InboundMessage(channel=Channel.EMAIL, sender_email="New@Example.COM",
                                    sender_name="New Person", subject="Hello",
                                    body_text="First contact"))
    assert result.ticket.customer.email == "new@example.com"
    assert result.ticket.customer.is_customer
    assert not result.ticket.customer.has_usable_password()


def test_agent_reply_sets_first_response_and_customer_reply_reopens(customer, agent, department):
    ticket = receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                    department_id=department.pk, subject="s",
                                    body_text="b")).ticket
    receive(InboundMessage(channel=Channel.DESK, author=agent, ticket_id=ticket.pk,
                           body_text="On it", new_status=Status.PENDING))
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Status.PENDING
    assert ticket.message_count == 2
    receive(InboundMessage(channel=Channel.PORTAL, author=customer, ticket_id=ticket.pk,
                           body_text="Still broken"))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.STATUS) == 2


def test_internal_note_does_not_count_as_response(customer, agent, department):
    ticket = receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                    department_id=department.pk, subject="s",
                                    body_text="b")).ticket
    receive(InboundMessage(channel=Channel.DESK, author=agent, ticket_id=ticket.pk,
                           body_text="psst", is_internal=True))
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.message_count == 1


def test_customer_cannot_post_notes_or_reply_to_others(customer, other_customer, department):
    ticket = receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                    department_id=department.pk, subject="s",
                                    body_text="b")).ticket
    with pytest.raises(ApplicationError):
        receive(InboundMessage(channel=Channel.PORTAL, author=customer, ticket_id=ticket.pk,
                               body_text="x", is_internal=True))
    with pytest.raises(ApplicationError):
        receive(InboundMessage(channel=Channel.PORTAL, author=other_customer,
                               ticket_id=ticket.pk, body_text="x"))
    assert Message.objects.count() == 1


@pytest.mark.parametrize(("name", "content"), [
    ("evil.exe", b"MZ"),
    ("page.html", b"<script>"),
    ("empty.txt", b""),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(customer, department, name, content):
    with pytest.raises(ApplicationError):
        receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                               department_id=department.pk, subject="s", body_text="b",
                               attachments=(InboundFile(name=name, content=content),)))
    assert Ticket.objects.count() == 0


def test_oversized_upload_is_refused(customer, department, settings):
    settings.DESTEK_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ApplicationError, match="larger than the limit"):
        receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                               department_id=department.pk, subject="s", body_text="b",
                               attachments=(InboundFile(name="log.txt", content=b"x" * 11),)))


def test_attachment_is_stored_under_generated_name(customer, department):
    result = receive(InboundMessage(
        channel=Channel.PORTAL, author=customer, department_id=department.pk, subject="s",
        body_text="b", attachments=(InboundFile(name="../../etc/passwd.txt", content=b"hi"),),
    ))
    attachment = result.message.attachments.get()
    assert attachment.original_name == "passwd.txt"
    assert "passwd" not in attachment.file.name
    assert attachment.file.name.startswith("attachments/")
    assert attachment.content_type == "text/plain"
    assert attachment.file.read() == b"hi"


@pytest.mark.parametrize("field", ["subject", "body"])
def test_missing_subject_or_body_is_a_clear_error(customer, department, field):
    values = {"subject": "s", "body_text": "b"}
    values["subject" if field == "subject" else "body_text"] = "   "
    with pytest.raises(ApplicationError) as error:
        receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                               department_id=department.pk, **values))
    assert error.value.field == field


def _open(customer, department, subject="s"):
    return receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                  department_id=department.pk, subject=subject,
                                  body_text="b")).ticket


def test_reply_to_a_merged_ticket_lands_on_the_ticket_it_was_merged_into(
        customer, agent, department):
    from destek.tickets.services.changes import ticket_merge

    source, target = _open(customer, department, "a"), _open(customer, department, "b")
    ticket_merge(actor=agent, source=source, target=target)
    result = receive(InboundMessage(channel=Channel.EMAIL, sender_email=customer.email,
                                    ticket_id=source.pk, body_text="still broken"))
    assert result.ticket.pk == target.pk
    assert result.message.ticket_id == target.pk
    source.refresh_from_db()
    assert source.status == Status.CLOSED  # the merged ticket stays closed


def test_outsourced_agent_cannot_post_outside_their_departments(customer, department,
                                                                outsourced):
    ticket = _open(customer, department)  # `outsourced` works only in other_department
    with pytest.raises(ApplicationError):
        receive(InboundMessage(channel=Channel.DESK, author=outsourced, ticket_id=ticket.pk,
                               body_text="peek", is_internal=True))
    assert ticket.messages.count() == 1
