"""Signed reply tokens, agent replies by email, and the headers of what Destek sends."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import Role
from destek.mail import processing
from destek.mail.tests.processing_helpers import parsed
from destek.notifications.envelope import thread_id
from destek.notifications.models import OutboundEmail
from destek.notifications.reply_tokens import (
    address_with_token,
    base_address,
    find_token,
    make_token,
)
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import AuthorKind, Ticket

pytestmark = pytest.mark.django_db


def test_token_round_trip_and_tampering(settings):
    token = make_token(ticket_id=42, user_id=7)
    assert token.startswith("t42-u7-") and token == token.lower()
    found = find_token([address_with_token("support@x.example", token)])
    assert found is not None and (found.ticket_id, found.user_id) == (42, 7)
    assert find_token([token.replace("t42", "t43")]) is None
    assert find_token([f"<{token}.abc@x.example>".upper()]) is not None  # case folded
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-that-is-long-enough-for-django-checks-1234"
    assert find_token([token]) is not None  # rotation keeps old tokens valid
    assert base_address("Support+t1-u2-abc@X.example") == "support@x.example"


def test_too_long_local_part_keeps_the_plain_address():
    assert address_with_token(f"{'x' * 60}@x.example", "t1-u2-" + "a" * 20) == \
        f"{'x' * 60}@x.example"


def _notification(ticket, kind):
    render_outbox()  # notifications are composed by the delivery worker
    row = OutboundEmail.objects.get(ticket=ticket, kind=kind)
    return row, message_from_bytes(row.raw_bytes, policy=policy.default)


def test_customer_notifications_carry_mailbox_sender_token_and_threading(feeder, mailbox,
                                                                         customer, agent):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    row, mime = _notification(ticket, "ticket_opened")
    assert mime["Message-ID"] == thread_id(ticket)
    assert mime["From"] == "Acme Hosting Support <support@destek.example>"
    token = make_token(ticket_id=ticket.pk, user_id=customer.pk)
    assert mime["Reply-To"] == f"support+{token}@destek.example"
    assert mime["Auto-Submitted"] == "auto-generated"
    assert mime["X-Destek-Origin"]
    assert f"[#{ticket.reference}]" in mime["Subject"]
    assert "Acme Hosting · 7/24 destek" in row.body_text

    reply(ticket=ticket, author=agent, body="Fixed.")
    row, mime = _notification(ticket, "agent_reply")
    assert mime["In-Reply-To"] == thread_id(ticket)
    assert mime["References"] == thread_id(ticket)
    assert token in mime["Message-ID"]  # survives clients that drop Reply-To


def test_customer_reply_threads_by_token_even_without_headers(feeder, mailbox, customer):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=customer.pk)
    outcome, row = feeder.feed(parsed(from_address=customer.email, subject="thanks",
                                      to=(f"support+{token}@destek.example",)))
    assert outcome == processing.Outcome.REPLY and row.ticket == ticket


def test_someone_holding_the_customers_token_posts_as_the_customer(feeder, mailbox, customer):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=customer.pk)
    _outcome, row = feeder.feed(parsed(from_address="customer.alias@example.net",
                                      to=(f"support+{token}@destek.example",)))
    assert row.ticket == ticket
    assert row.ticket_message.author == customer
    ticket.refresh_from_db()
    assert ticket.cc_addresses == []


def test_agent_replies_by_email_with_their_token(feeder, mailbox, customer, agent):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=agent.pk)
    outcome, row = feeder.feed(parsed(from_address=agent.email, subject="Re: x",
                                      to=(f"support+{token}@destek.example",),
                                      text="Restarted PHP-FPM, please check."))
    assert outcome == processing.Outcome.REPLY
    message = row.ticket_message
    assert message.author == agent and message.author_kind == AuthorKind.AGENT
    assert not message.is_internal
    # …and the customer is told, as for any agent reply.
    assert OutboundEmail.objects.filter(ticket=ticket, kind="agent_reply").exists()


def test_agent_token_in_references_works_too(feeder, mailbox, customer, agent):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    ticket.refresh_from_db()
    reply(ticket=ticket, author=customer, body="Customer again")
    notification = OutboundEmail.objects.get(ticket=ticket, kind="customer_replied")
    _outcome, row = feeder.feed(parsed(from_address=agent.email,
                                      in_reply_to=(notification.message_id.strip("<>"),)))
    assert row.ticket_message.author == agent


def test_agent_without_token_is_not_posted(feeder, mailbox, customer, agent):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    outcome, row = feeder.feed(parsed(from_address=agent.email,
                                      subject=f"Re: [#{ticket.reference}]"))
    assert outcome == processing.Outcome.IGNORED and "token" in row.note
    assert ticket.messages.count() == 1


def test_someone_else_with_an_agents_token_is_not_the_agent(feeder, mailbox, customer, agent):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=agent.pk)
    _outcome, row = feeder.feed(parsed(from_address="forged@evil.example",
                                      to=(f"support+{token}@destek.example",)))
    assert row.ticket != ticket  # a new ticket of their own
    assert ticket.messages.count() == 1


def test_agents_token_for_another_agent_is_refused(feeder, mailbox, customer, agent):
    other = AgentFactory()
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=agent.pk)
    outcome, _row = feeder.feed(parsed(from_address=other.email,
                                      to=(f"support+{token}@destek.example",)))
    assert outcome == processing.Outcome.IGNORED


def test_agent_out_of_office_is_never_posted(feeder, mailbox, customer, agent):
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=agent.pk)
    outcome, _row = feeder.feed(parsed(from_address=agent.email, is_auto_reply=True,
                                      to=(f"support+{token}@destek.example",)))
    assert outcome == processing.Outcome.IGNORED
    assert ticket.messages.count() == 1


def test_outsourced_agent_outside_their_department_cannot_post(feeder, mailbox, customer,
                                                               other_department):
    outsider = AgentFactory(role=Role.OUTSOURCED)
    MembershipFactory(department=other_department, agent=outsider)
    ticket = open_ticket(customer=customer, department=mailbox.department)
    token = make_token(ticket_id=ticket.pk, user_id=outsider.pk)
    outcome, row = feeder.feed(parsed(from_address=outsider.email,
                                      to=(f"support+{token}@destek.example",)))
    assert outcome == processing.Outcome.IGNORED and "refused" in row.note
    assert ticket.messages.count() == 1
