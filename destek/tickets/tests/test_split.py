"""Splitting selected messages into a new ticket: moved, not copied; both histories say so."""

from __future__ import annotations

import pytest

from destek.core.errors import ApplicationError, NotFound
from destek.sla.models import TicketSla
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import (
    Attachment,
    EventKind,
    Message,
    Status,
    Ticket,
    TicketFollower,
    TicketLink,
)
from destek.tickets.services.followers import ticket_follow
from destek.tickets.split import ticket_split
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


def conversation(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department, subject="Two problems",
                         body="My site is down. Also, my mailbox is full.")
    answer = reply(ticket=ticket, author=agent, body="Restarted the site.").message
    second = reply(ticket=ticket, author=customer, body="And the mailbox?",
                   attachments=(InboundFile(name="quota.png", content=b"\x89PNG",
                                            content_type="image/png"),)).message
    note = reply(ticket=ticket, author=agent, body="Mailbox is on mx2", internal=True).message
    return ticket, answer, second, note


def test_split_moves_the_messages_and_their_attachments(customer, agent, department):
    ticket, _answer, second, note = conversation(customer, agent, department)
    new = ticket_split(actor=agent, source=ticket, message_ids=[second.pk, note.pk],
                       subject="  Mailbox   is full ")
    assert new.pk != ticket.pk and new.customer_id == customer.pk
    assert new.subject == "Mailbox is full" and new.department_id == department.pk
    assert set(new.messages.values_list("pk", flat=True)) == {second.pk, note.pk}
    assert set(ticket.messages.values_list("pk", flat=True)) == {
        m.pk for m in Message.objects.filter(ticket=ticket)} and ticket.messages.count() == 2
    assert Message.objects.count() == 4  # moved, not copied
    assert Attachment.objects.get().ticket_id == new.pk
    ticket.refresh_from_db()
    new.refresh_from_db()
    assert (ticket.message_count, new.message_count) == (2, 1)
    assert new.last_customer_message_at == second.created_at and new.last_agent_message_at is None
    assert new.status == Status.NEW
    assert TicketSla.objects.filter(ticket=new).exists()
    # Linked, and both histories say what moved where.
    assert TicketLink.objects.filter(lower=ticket, higher=new).exists()
    numbers = f"#{second.pk}, #{note.pk}"
    assert ticket.events.filter(kind=EventKind.SPLIT_OUT, before=numbers,
                                after=new.reference).exists()
    assert new.events.filter(kind=EventKind.SPLIT_IN, before=ticket.reference,
                             after=numbers).exists()
    assert new.events.filter(kind=EventKind.CREATED).exists()


def test_split_refuses_what_would_leave_a_ticket_empty_or_take_only_notes(
        customer, agent, department):
    ticket, answer, second, note = conversation(customer, agent, department)
    first = ticket.messages.order_by("pk").first()
    everything = [first.pk, answer.pk, second.pk]
    for ids in ([], [note.pk], everything, [first.pk, 999999]):
        with pytest.raises(ApplicationError):
            ticket_split(actor=agent, source=ticket, message_ids=ids, subject="x")
    with pytest.raises(ApplicationError):
        ticket_split(actor=agent, source=ticket, message_ids=[second.pk], subject="  ")
    assert Ticket.objects.count() == 1


def test_an_outsourced_agent_cannot_split_into_a_department_they_do_not_see(
        customer, agent, outsourced, department, other_department):
    ticket = open_ticket(customer=customer, department=other_department)
    second = reply(ticket=ticket, author=customer, body="another thing").message
    with pytest.raises(ApplicationError):
        ticket_split(actor=outsourced, source=ticket, message_ids=[second.pk], subject="x",
                     department=department)
    hidden = open_ticket(customer=customer, department=department)
    other = reply(ticket=hidden, author=customer, body="another thing").message
    with pytest.raises(NotFound):
        ticket_split(actor=outsourced, source=hidden, message_ids=[other.pk], subject="x")
    new = ticket_split(actor=outsourced, source=ticket, message_ids=[second.pk], subject="x")
    assert new.department_id == other_department.pk


def test_the_new_ticket_keeps_the_followers_and_moves_department_when_asked(
        customer, agent, department, other_department):
    ticket, answer, _second, _note = conversation(customer, agent, department)
    ticket_follow(actor=agent, ticket=ticket)
    new = ticket_split(actor=agent, source=ticket, message_ids=[answer.pk], subject="Site",
                       department=other_department)
    assert new.department_id == other_department.pk
    assert TicketFollower.objects.filter(ticket=new, user=agent).exists()
    new.refresh_from_db()
    assert new.status == Status.OPEN and new.first_response_at == answer.created_at
