"""The accessors are the only door to tickets: each role sees exactly what it may."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.core.errors import NotFound
from destek.tickets.access import (
    access_attachment_by_guest_token,
    access_attachment_by_id,
    access_message_by_id,
    access_ticket_by_guest_token,
    access_ticket_by_id,
    guest_token_for,
    tickets_visible_to,
)
from destek.tickets.factories import open_ticket, reply
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(customer, other_customer, department, other_department):
    return {
        "mine": open_ticket(customer=customer, department=department),
        "other": open_ticket(customer=other_customer, department=other_department),
    }


def test_customer_sees_only_own_tickets(customer, tickets):
    assert access_ticket_by_id(actor=customer, ticket_id=tickets["mine"].pk) == tickets["mine"]
    with pytest.raises(NotFound):
        access_ticket_by_id(actor=customer, ticket_id=tickets["other"].pk)
    assert list(tickets_visible_to(customer)) == [tickets["mine"]]


@pytest.mark.parametrize("bad_id", ["abc", None, "", "1; DROP TABLE"])
def test_malformed_ids_are_not_found(customer, bad_id):
    with pytest.raises(NotFound):
        access_ticket_by_id(actor=customer, ticket_id=bad_id)


def test_outsourced_agent_sees_only_their_departments(outsourced, tickets):
    assert access_ticket_by_id(actor=outsourced, ticket_id=tickets["other"].pk)
    with pytest.raises(NotFound):
        access_ticket_by_id(actor=outsourced, ticket_id=tickets["mine"].pk)
    assert list(tickets_visible_to(outsourced)) == [tickets["other"]]


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
def test_staff_see_every_department(role, tickets):
    staff = AgentFactory(role=role)
    assert set(tickets_visible_to(staff)) == set(tickets.values())


def test_inactive_staff_see_nothing(tickets):
    staff = AgentFactory(is_active=False)
    assert not tickets_visible_to(staff).exists()


def test_internal_notes_and_their_files_are_hidden_from_customers(customer, agent, tickets):
    note = reply(ticket=tickets["mine"], author=agent, body="internal", internal=True,
                 attachments=(InboundFile(name="notes.txt", content=b"secret"),))
    attachment = note.attachments[0]
    with pytest.raises(NotFound):
        access_message_by_id(actor=customer, message_id=note.message.pk)
    with pytest.raises(NotFound):
        access_attachment_by_id(actor=customer, attachment_id=attachment.pk)
    assert access_attachment_by_id(actor=agent, attachment_id=attachment.pk) == attachment


def test_customer_cannot_fetch_another_customers_attachment(customer, other_customer, tickets):
    result = reply(ticket=tickets["other"], author=other_customer, body="log",
                   attachments=(InboundFile(name="log.txt", content=b"x"),))
    with pytest.raises(NotFound):
        access_attachment_by_id(actor=customer, attachment_id=result.attachments[0].pk)


def test_guest_token_opens_one_ticket_only(agent, tickets):
    token = guest_token_for(tickets["mine"])
    assert access_ticket_by_guest_token(token=token) == tickets["mine"]
    with pytest.raises(NotFound):
        access_ticket_by_guest_token(token=token[:-2] + "xx")
    other = reply(ticket=tickets["other"], author=agent, body="file",
                  attachments=(InboundFile(name="a.txt", content=b"x"),))
    with pytest.raises(NotFound):
        access_attachment_by_guest_token(token=token, attachment_id=other.attachments[0].pk)
