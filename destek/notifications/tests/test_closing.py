"""The customer is told when their ticket is resolved or closed without an emailed reply,
once per change, in their language, with a one-click reopen link."""

from __future__ import annotations

import pytest

from destek.notifications.closing import on_ticket_updated
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.domain_events import TicketUpdated
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Status, Ticket
from destek.tickets.services.changes import (
    ticket_bulk_update,
    ticket_set_status_by_customer,
    ticket_update,
)

pytestmark = pytest.mark.django_db


def resolved_emails() -> list[OutboundEmail]:
    render_outbox()
    return list(OutboundEmail.objects.filter(kind="ticket_resolved").order_by("id"))


@pytest.fixture
def ticket(customer, department) -> Ticket:  # type: ignore[no-untyped-def]
    return open_ticket(customer=customer, department=department, subject="Mail is down")


def test_resolving_without_a_reply_tells_the_customer_once(ticket, agent, customer):
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    [email] = resolved_emails()
    assert email.recipients == [customer.email]
    assert email.ticket_id == ticket.pk
    assert "resolved" in email.subject and "Mail is down" in email.subject
    assert "/portal/reopen/" in email.body_text and "30 days" in email.body_text
    # The same event heard again (a retried handler) writes no second email.
    on_ticket_updated(TicketUpdated(ticket=ticket, actor=agent, fields=("status",),
                                    previous_status=Status.OPEN))
    assert len(resolved_emails()) == 1
    # Resolved → closed later: they were told already.
    ticket_update(actor=agent, ticket=ticket, status=Status.CLOSED)
    assert len(resolved_emails()) == 1


def test_closing_directly_says_closed(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, status=Status.CLOSED)
    [email] = resolved_emails()
    assert "closed" in email.subject


def test_resolved_again_after_a_reopen_is_a_new_email(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    ticket_update(actor=agent, ticket=ticket, status=Status.OPEN)
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    assert len(resolved_emails()) == 2


def test_a_bulk_action_tells_each_customer(ticket, agent, customer, other_customer, department):
    other = open_ticket(customer=other_customer, department=department)
    ticket_bulk_update(actor=agent, ticket_ids=[ticket.pk, other.pk], status=Status.RESOLVED)
    assert sorted(e.recipients[0] for e in resolved_emails()) == sorted(
        [customer.email, other_customer.email])


def test_not_sent_when_the_resolving_reply_was_emailed(ticket, agent):
    reply(ticket=ticket, author=agent, body="Fixed: the mailbox was full.",
          new_status=Status.RESOLVED)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    assert resolved_emails() == []
    assert OutboundEmail.objects.filter(kind="agent_reply").count() == 1


def test_sent_when_resolved_with_an_internal_note(ticket, agent):
    reply(ticket=ticket, author=agent, body="secret: restarted exim", internal=True,
          new_status=Status.RESOLVED)
    [email] = resolved_emails()
    assert "secret" not in email.body_text and "exim" not in email.body_text


def test_not_sent_when_the_customer_closes_it(ticket, customer):
    ticket_set_status_by_customer(actor=customer, ticket=ticket, status=Status.CLOSED)
    assert resolved_emails() == []


def test_respects_the_customers_choice_of_no_ticket_email(ticket, agent, customer):
    customer.email_notifications = False
    customer.save(update_fields=["email_notifications"])
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    assert resolved_emails() == []


def test_in_the_customers_language(tr_customer, department, agent):
    ticket = open_ticket(customer=tr_customer, department=department, subject="E-posta")
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    [email] = resolved_emails()
    assert "Talebiniz çözüldü" in email.subject
    assert "tek tıkla yeniden açabilirsiniz" in email.body_text and "30 gün" in email.body_text


