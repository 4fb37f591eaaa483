"""Fixtures for the satisfaction tests: a ticket, resolved by its assigned agent."""

from __future__ import annotations

import pytest

from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status, Ticket
from destek.tickets.services.changes import ticket_assign, ticket_update


@pytest.fixture
def ticket(customer: User, department: Department) -> Ticket:
    return open_ticket(customer=customer, department=department, subject="Mail is down")


@pytest.fixture
def resolved(ticket: Ticket, agent: User) -> Ticket:
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    return ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)


@pytest.fixture
def ticket_factory(customer: User, department: Department):  # type: ignore[no-untyped-def]
    return lambda: open_ticket(customer=customer, department=department, subject="Another")
