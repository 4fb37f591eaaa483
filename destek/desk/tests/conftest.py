"""Fixtures for desk tests: tickets opened through the real funnel, clients per role."""

from __future__ import annotations

import pytest
from django.test import Client

from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket


@pytest.fixture
def ticket(customer: User, department: Department) -> Ticket:
    return open_ticket(customer=customer, department=department, subject="Website down",
                       body="My site returns 500.")


@pytest.fixture
def billing_ticket(other_customer: User, other_department: Department) -> Ticket:
    return open_ticket(customer=other_customer, department=other_department,
                       subject="Invoice question", body="Why was I charged twice?")


@pytest.fixture
def outsourced_client(outsourced: User) -> Client:
    client = Client()
    client.force_login(outsourced)
    return client


def many_tickets(n: int, *, customer: User, department: Department, prefix: str = "Ticket",
                 **extra: object) -> list[Ticket]:
    return [open_ticket(customer=customer, department=department, subject=f"{prefix} {i}",
                        **extra) for i in range(n)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """Factories hash a password per user; these tests create many users and never log in
    with a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_base_currency() -> None:
    """The customer panel's currency is remembered per process for a minute: not across
    tests, whose settings rows differ."""
    from destek.hosting.selectors import forget_base_currency

    forget_base_currency()
