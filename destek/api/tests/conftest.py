"""API test fixtures: a DRF client per person, and a clean throttle cache per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # The factories hash a password per person; PBKDF2 would spend most of the suite on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_throttle_history() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def as_user() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def ticket(customer: User, department: Department) -> Ticket:
    return open_ticket(customer=customer, department=department, subject="Site is down",
                       body="My site returns 500.")


@pytest.fixture
def other_ticket(other_customer: User, department: Department) -> Ticket:
    return open_ticket(customer=other_customer, department=department, subject="Private",
                       body="Someone else's problem.")


@pytest.fixture
def billing_ticket(customer: User, other_department: Department) -> Ticket:
    return open_ticket(customer=customer, department=other_department, subject="Invoice",
                       body="Wrong amount.")
