"""Followers and the @mentioned get their email, in their language, once."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory
from destek.notifications.tests.conftest import outbox_for
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Status
from destek.tickets.services.changes import ticket_update
from destek.tickets.services.followers import ticket_follow

pytestmark = pytest.mark.django_db


def test_a_mentioned_agent_is_emailed_in_their_language(customer, agent, department):
    colleague = AgentFactory(full_name="Zeynep Kaya", email="zeynep@example.com", language="tr")
    ticket = open_ticket(customer=customer, department=department, subject="DNS")
    reply(ticket=ticket, author=agent, internal=True, body="@zeynep@example.com bakar mısın?")
    [row] = outbox_for(colleague.email)
    assert row.kind == "ticket_mentioned"
    assert row.subject == f"[#{ticket.reference}] Mehmet Agent sizden bahsetti: DNS"
    assert "bir iç notta sizden bahsetti" in row.body_text and "bakar mısın?" in row.body_text


def test_followers_are_emailed_of_customer_replies_and_status_changes(customer, agent,
                                                                      department):
    follower = AgentFactory(full_name="Zeynep Kaya", language="en")
    ticket = open_ticket(customer=customer, department=department, subject="DNS")
    ticket_follow(actor=follower, ticket=ticket)
    reply(ticket=ticket, author=customer, body="Still broken")
    ticket_update(actor=agent, ticket=ticket, status=Status.PENDING)
    ticket_update(actor=agent, ticket=ticket, status=Status.PENDING)  # no change, no email
    replied, status = outbox_for(follower.email)
    assert replied.kind == "followed_customer_replied" and "Still broken" in replied.body_text
    assert status.kind == "followed_status_changed"
    assert status.subject == f"[#{ticket.reference}] Followed ticket is now Pending customer: DNS"
    assert "New → Pending customer" in status.body_text
    assert "by Mehmet Agent" in status.body_text
