"""Fixtures of the email channel's tests (processing: see processing_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from destek.accounts.models import Department
from destek.mail.models import Mailbox
from destek.mail.tests.processing_helpers import Feeder


@pytest.fixture
def feeder(monkeypatch: pytest.MonkeyPatch, settings) -> Feeder:  # type: ignore[no-untyped-def]
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    return Feeder(monkeypatch)


@pytest.fixture
def mailbox(db: None, department: Department) -> Mailbox:
    return Mailbox.objects.create(name="Support", address="support@destek.example",
                                  department=department, from_name="Acme Hosting Support",
                                  signature="Acme Hosting · 7/24 destek")


@pytest.fixture(autouse=True)
def _no_wake_up_key() -> Iterator[None]:
    """A wake-up key left in a shared (Redis) cache by another test would silence stores."""
    from django.core.cache import cache

    from destek.mail.tasks import WAKEUP

    cache.delete(WAKEUP.key)
    yield
    cache.delete(WAKEUP.key)
