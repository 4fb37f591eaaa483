"""Who is told what, when: outbox rows written by the ticket domain's events."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from django.db import transaction

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import AssignmentMode
from destek.notifications.envelope import thread_id
from destek.notifications.models import EmailTemplate, OutboundEmail, OutboxStatus
from destek.notifications.tests.conftest import outbox_for
from destek.tickets.access import access_ticket_by_guest_token
from destek.tickets.factories import open_ticket, reply
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
from destek.tickets.services.changes import ticket_assign, ticket_update

pytestmark = pytest.mark.django_db


def test_customer_is_told_their_ticket_was_opened(customer, department, settings):
    settings.BASE_URL = "https://help.example.com"
    ticket = open_ticket(customer=customer, department=department, subject="Site is down",
                         body="My site returns 500.")
    [row] = outbox_for(customer.email)
    assert row.kind == "ticket_opened"
    assert row.status == OutboxStatus.PENDING
    assert row.ticket == ticket
    assert row.idempotency_key == f"ticket-{ticket.pk}-opened"
    assert row.subject == f"[#{ticket.reference}] Request received: Site is down"
    assert "My site returns 500." in row.body_text
    assert row.headers["Auto-Submitted"] == "auto-generated"
    # The opening email founds the thread that later emails refer to.
    assert row.message_id == thread_id(ticket)
    assert row.headers["Message-ID"] == thread_id(ticket)
    # The link is an absolute guest link that opens this ticket.
    match = re.search(r"https://help\.example\.com/portal/guest/([^/\s]+)/", row.body_text)
    assert match, row.body_text
    assert access_ticket_by_guest_token(token=match.group(1)) == ticket
    assert match.group(0) in row.body_html and "<a href=" in row.body_html


def test_turkish_customer_gets_turkish_email(tr_customer, department):
    ticket = open_ticket(customer=tr_customer, department=department, subject="Site çöktü")
    [row] = outbox_for(tr_customer.email)
    assert row.subject == f"[#{ticket.reference}] Talebiniz alındı: Site çöktü"
    assert "Merhaba Ayşe Yılmaz" in row.body_text
    assert "Teknik destek" in row.body_text  # the department's Turkish name
    parsed = message_from_bytes(row.raw_bytes, policy=policy.default)
    assert parsed["Subject"].strip() == row.subject  # encoded on the wire, decoded by clients
    assert "Talebinizi aldık" in parsed.get_body(("plain",)).get_content()


def test_outbox_row_rolls_back_with_the_change(customer, department):
    with pytest.raises(RuntimeError), transaction.atomic():
        open_ticket(customer=customer, department=department)
        assert OutboundEmail.objects.count() == 1  # written inside the same transaction
        raise RuntimeError("the change fails after the email was queued")
    assert OutboundEmail.objects.count() == 0


def test_delivery_is_enqueued_only_on_commit(customer, department,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        open_ticket(customer=customer, department=department)
    assert len(callbacks) >= 1
    assert OutboundEmail.objects.get().status == OutboxStatus.PENDING


def test_agent_opening_for_a_customer_tells_the_customer(customer, agent, department):
    receive(InboundMessage(channel=Channel.DESK, author=agent, customer=customer,
                           department_id=department.pk, subject="Your renewal",
                           body_text="We noticed your domain expires soon."))
    [row] = outbox_for(customer.email)
    assert "Our support team has opened ticket" in row.body_text
    assert "We noticed your domain expires soon." in row.body_text


def test_public_agent_reply_is_emailed_to_customer(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    message = reply(ticket=ticket, author=agent, body="Restarted PHP-FPM, please check.").message
    rows = outbox_for(customer.email)
    assert [r.kind for r in rows] == ["ticket_opened", "agent_reply"]
    row = rows[-1]
    assert row.idempotency_key == f"msg-{message.pk}-customer"
    assert row.subject == f"Re: [#{ticket.reference}] Site is down"
    assert "Restarted PHP-FPM, please check." in row.body_text
    assert "Mehmet Agent replied" in row.body_text
    assert agent.email not in row.body_text  # the agent's address stays private
    assert row.headers["In-Reply-To"] == thread_id(ticket)
    assert row.headers["References"] == thread_id(ticket)
    assert row.headers["Auto-Submitted"] == "auto-generated"
    assert "/portal/guest/" in row.body_text


def test_turkish_agent_reply(tr_customer, agent, department):
    ticket = open_ticket(customer=tr_customer, department=department, subject="Yedek")
    reply(ticket=ticket, author=agent, body="Yedeğiniz geri yüklendi.")
    row = outbox_for(tr_customer.email)[-1]
    assert row.subject == f"Ynt: [#{ticket.reference}] Yedek"
    assert "numaralı talebinizi yanıtladı" in row.body_text
    assert "Yedeğiniz geri yüklendi." in row.body_text


def test_internal_note_sends_no_email(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    before = OutboundEmail.objects.count()
    reply(ticket=ticket, author=agent, body="Customer is on the old cluster", internal=True)
    assert OutboundEmail.objects.count() == before
    assert not OutboundEmail.objects.filter(body_text__contains="old cluster").exists()


def test_customer_is_not_mailed_their_own_reply(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    reply(ticket=ticket, author=customer, body="Any news?", channel=Channel.PORTAL)
    assert [r.kind for r in outbox_for(customer.email)] == ["ticket_opened"]


def test_cc_addresses_receive_public_replies(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department,
                         cc=("boss@example.com",))
    reply(ticket=ticket, author=agent, body="Fixed.")
    row = outbox_for(customer.email)[-1]
    assert row.recipients == [customer.email, "boss@example.com"]
    assert row.headers["Cc"] == "boss@example.com"


def test_assignee_is_told_of_assignment_by_someone_else(customer, agent, department):
    supervisor = AgentFactory(full_name="Selin Supervisor")
    ticket = open_ticket(customer=customer, department=department)
    ticket_assign(actor=supervisor, ticket=ticket, assignee=agent)
    [row] = outbox_for(agent.email)
    assert row.kind == "agent_assigned"
    assert row.subject == f"[#{ticket.reference}] Assigned to you: Site is down"
    assert "Selin Supervisor assigned ticket" in row.body_text
    assert f"/desk/tickets/{ticket.pk}/" in row.body_text
    assert "/portal/guest/" not in row.body_text
    assert "My site returns 500." in row.body_text


def test_assigning_yourself_sends_nothing(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    assert outbox_for(agent.email) == []


def test_reassignment_back_notifies_again(customer, agent, department):
    supervisor = AgentFactory()
    other = AgentFactory()
    ticket = open_ticket(customer=customer, department=department)
    ticket_assign(actor=supervisor, ticket=ticket, assignee=agent)
    ticket_assign(actor=supervisor, ticket=ticket, assignee=other)
    ticket_assign(actor=supervisor, ticket=ticket, assignee=agent)
    assert len(outbox_for(agent.email)) == 2
    assert len(outbox_for(other.email)) == 1


def test_automatic_assignment_notifies_the_agent(customer, department):
    department.assignment_mode = AssignmentMode.ROUND_ROBIN
    department.save()
    agent = AgentFactory(language="tr", full_name="Ali Ajan")
    MembershipFactory(department=department, agent=agent)
    ticket = open_ticket(customer=customer, department=department)
    [row] = outbox_for(agent.email)
    assert row.subject == f"[#{ticket.reference}] Size atandı: Site is down"
    assert "otomatik olarak atandı" in row.body_text


def test_customer_reply_notifies_assignee_only(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    reply(ticket=ticket, author=customer, body="Still broken.", channel=Channel.PORTAL)
    assert outbox_for(agent.email) == []  # unassigned: nobody to tell
    ticket_update(actor=AgentFactory(), ticket=ticket, assignee=agent)
    message = reply(ticket=ticket, author=customer, body="Hello?", channel=Channel.PORTAL).message
    row = outbox_for(agent.email)[-1]
    assert row.kind == "customer_replied"
    assert row.idempotency_key == f"msg-{message.pk}-assignee"
    assert row.subject == f"[#{ticket.reference}] Customer replied: Site is down"
    assert "Hello?" in row.body_text
    assert row.headers["In-Reply-To"] == thread_id(ticket)


def test_admin_template_override_is_used(customer, department):
    EmailTemplate.objects.create(key="ticket_opened", language="en",
                                 subject="{{ reference }} got it",
                                 body="Dear {{ recipient_name }}: {{ ticket_url }}")
    ticket = open_ticket(customer=customer, department=department)
    [row] = outbox_for(customer.email)
    # The email channel adds the ticket token replies are threaded by, whatever the template.
    assert row.subject == f"{ticket.reference} got it [#{ticket.reference}]"
    assert row.body_text.startswith("Dear Deniz Müşteri: http")


def test_broken_template_override_falls_back_to_shipped(customer, department):
    EmailTemplate.objects.create(key="ticket_opened", language="en", subject="{% if %}",
                                 body="{% endfor %}")
    ticket = open_ticket(customer=customer, department=department)
    [row] = outbox_for(customer.email)
    assert row.subject.startswith(f"[#{ticket.reference}] Request received")


def test_email_opened_ticket_answers_the_customers_message(department):
    result = receive(InboundMessage(channel=Channel.EMAIL, sender_email="mail@example.org",
                                    subject="Help", body_text="Hi",
                                    external_id="<abc123@mail.example.org>"))
    [row] = outbox_for("mail@example.org")
    assert row.headers["In-Reply-To"] == "<abc123@mail.example.org>"
    assert row.message_id == thread_id(result.ticket)


def test_same_notification_is_written_once(customer, agent, department):
    from destek.notifications.subscribers import on_message_posted
    from destek.tickets.domain_events import MessagePosted

    ticket = open_ticket(customer=customer, department=department)
    result = reply(ticket=ticket, author=agent, body="Done.")
    on_message_posted(MessagePosted(ticket=result.ticket, message=result.message, actor=agent))
    assert [r.kind for r in outbox_for(customer.email)] == ["ticket_opened", "agent_reply"]


def test_unnamed_agent_is_the_support_team_in_the_customers_language(tr_customer, department):
    agent = AgentFactory(full_name="")
    ticket = open_ticket(customer=tr_customer, department=department)
    reply(ticket=ticket, author=agent, body="Tamam.")
    row = outbox_for(tr_customer.email)[-1]
    assert "Destek ekibi, T-" in row.body_text
