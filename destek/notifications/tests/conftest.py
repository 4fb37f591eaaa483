"""Fixtures for the notification tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from destek.accounts.factories import CustomerFactory
from destek.accounts.models import User
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.notifications.transports import close_kept_sessions


@pytest.fixture(autouse=True)
def _outbox_backend(settings) -> None:  # type: ignore[no-untyped-def]
    """Django's test set-up swaps EMAIL_BACKEND for locmem; these tests want the real one."""
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    settings.DESTEK_EMAIL_URL = ""


@pytest.fixture(autouse=True)
def _no_kept_smtp_connection() -> Iterator[None]:
    """A process keeps its SMTP connection open between batches (transports.kept_session):
    no test inherits another's."""
    yield
    close_kept_sessions()


@pytest.fixture
def tr_customer(db: None) -> User:
    return CustomerFactory(full_name="Ayşe Yılmaz", language="tr")


def outbox_for(email: str) -> list[OutboundEmail]:
    """The outbox rows addressed to `email`, oldest first, rendered as the worker will."""
    render_outbox()
    return [row for row in OutboundEmail.objects.order_by("id") if email in row.recipients]
