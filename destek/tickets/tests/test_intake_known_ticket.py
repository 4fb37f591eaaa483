"""A reply whose channel already read the ticket (InboundMessage.ticket): the funnel locks and
re-reads only its row, so a change made in between is not lost, and reads no relation again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, Status, Ticket

pytestmark = pytest.mark.django_db


def _open(customer, department, subject="Site down") -> Ticket:  # type: ignore[no-untyped-def]
    return receive(InboundMessage(channel=Channel.PORTAL, author=customer, subject=subject,
                                  department_id=department.pk, body_text="help")).ticket


def _read(pk: int) -> Ticket:
    """As the email channel reads a candidate ticket."""
    return Ticket.objects.select_related("department", "customer", "assignee").get(pk=pk)


def _reply(customer, known: Ticket, text: str = "still broken"):  # type: ignore[no-untyped-def]
    return receive(InboundMessage(channel=Channel.EMAIL, sender_email=customer.email,
                                  ticket_id=known.pk, ticket=known, body_text=text))


def test_the_locked_row_is_read_again_and_relations_are_kept(customer, department, agent):
    opened = _open(customer, department)
    known = _read(opened.pk)
    # Changed by someone else after the channel read it: the reply must build on this.
    Ticket.objects.filter(pk=opened.pk).update(status=Status.RESOLVED, message_count=5,
                                               priority=3)
    with CaptureQueriesContext(connection) as captured:
        result = _reply(customer, known)
    tickets = [q["sql"] for q in captured.captured_queries
               if 'FROM "tickets_ticket"' in q["sql"]]
    assert len(tickets) == 1 and "JOIN" not in tickets[0]
    assert (connection.vendor != "postgresql") or tickets[0].endswith("FOR UPDATE")
    with CaptureQueriesContext(connection) as captured:
        assert result.ticket.customer == customer  # kept from the channel's read
        assert result.ticket.department == department
    assert len(captured) == 0
    result.ticket.refresh_from_db()
    assert result.ticket.status == Status.OPEN  # reopened from the current status
    assert result.ticket.message_count == 6
    assert result.ticket.priority == 3


def test_a_relation_changed_meanwhile_is_not_taken_from_the_channels_read(
        customer, department, other_department):
    opened = _open(customer, department)
    known = _read(opened.pk)
    Ticket.objects.filter(pk=opened.pk).update(department=other_department)
    result = _reply(customer, known)
    assert result.ticket.department == other_department


def test_a_ticket_merged_meanwhile_sends_the_reply_on(customer, department, agent):
    from destek.tickets.services.changes import ticket_merge

    source, target = _open(customer, department, "a"), _open(customer, department, "b")
    known = _read(source.pk)
    ticket_merge(actor=agent, source=source, target=target)
    result = _reply(customer, known)
    assert result.ticket.pk == target.pk
    assert result.message.ticket_id == target.pk


def test_a_ticket_deleted_meanwhile_is_not_found(customer, department):
    known = _read(_open(customer, department).pk)
    Ticket.objects.filter(pk=known.pk).delete()
    with pytest.raises(Ticket.DoesNotExist):
        _reply(customer, known)
