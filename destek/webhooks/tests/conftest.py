from __future__ import annotations

from collections.abc import Iterator

import pytest

from destek.accounts.factories import UserFactory
from destek.accounts.models import Role, User
from destek.webhooks.tests.receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def local_receivers_allowed(settings) -> None:  # type: ignore[no-untyped-def]
    """The test's receiver listens on loopback, which the SSRF guard refuses unless allowed."""
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(role=Role.ADMIN, email="admin@example.com", full_name="Ada Admin",
                       language="en")
