"""Fixtures for the notification tests."""

from __future__ import annotations

import pytest

from destek.accounts.factories import CustomerFactory
from destek.accounts.models import User
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox


@pytest.fixture(autouse=True)
def _outbox_backend(settings) -> None:  # type: ignore[no-untyped-def]
    """Django's test set-up swaps EMAIL_BACKEND for locmem; these tests want the real one."""
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    settings.DESTEK_EMAIL_URL = ""


@pytest.fixture
def tr_customer(db: None) -> User:
    return CustomerFactory(full_name="Ayşe Yılmaz", language="tr")


def outbox_for(email: str) -> list[OutboundEmail]:
    """The outbox rows addressed to `email`, oldest first, rendered as the worker will."""
    render_outbox()
    return [row for row in OutboundEmail.objects.order_by("id") if email in row.recipients]
