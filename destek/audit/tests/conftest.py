"""Audit test fixtures: verified people who sign in with a password, an administrator, and a
clean cache (the sign-in limits and the token-use memory live there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def verified(user: User) -> User:
    EmailAddress.objects.get_or_create(user=user, email=user.email,
                                       defaults={"verified": True, "primary": True})
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return verified(AgentFactory(full_name="Ayşe Admin", role=Role.ADMIN, is_staff=True,
                                 is_superuser=True))


def events(action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.order_by("id")
    return list(qs.filter(action=action) if action else qs)
