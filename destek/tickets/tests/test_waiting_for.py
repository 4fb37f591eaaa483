"""Issue 17: what a pending or on-hold ticket waits for is set with the status and cleared
when the ticket stops waiting, whichever door changes the status."""

from __future__ import annotations

import pytest

from destek.core.errors import ApplicationError
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Status, Ticket, WaitingFor
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


def test_on_hold_with_a_reason_stores_it_and_leaving_clears_it(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.ON_HOLD,
                  waiting_for=WaitingFor.PROVIDER, waiting_note="Registry")
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.waiting_for, row.waiting_note) == ("provider", "Registry")

    ticket_update(actor=agent, ticket=row, status=Status.OPEN)
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.waiting_for, row.waiting_note) == ("", "")


def test_a_reason_is_ignored_unless_the_ticket_waits(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.OPEN,
                  waiting_for=WaitingFor.PROVIDER, waiting_note="x")
    assert Ticket.objects.get(pk=ticket.pk).waiting_for == ""


def test_an_unknown_reason_is_refused(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    with pytest.raises(ApplicationError):
        ticket_update(actor=agent, ticket=ticket, status=Status.ON_HOLD, waiting_for="bogus")


def test_a_customer_reply_reopens_and_clears_the_reason(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.PENDING,
                  waiting_for=WaitingFor.CUSTOMER_REPLY)
    reply(ticket=Ticket.objects.get(pk=ticket.pk), author=customer, body="Here you go")
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.status == Status.OPEN and row.waiting_for == ""
