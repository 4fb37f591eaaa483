"""Authentication backends: Django's and allauth's, with the signed-in user of every request
read by a plain lookup (destek.core.rows) instead of a compiled `User.objects.get(pk=…)`,
which cost about 7 % of a desk page's CPU. Sign-in, permissions and the active check are
theirs, unchanged."""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from destek.accounts.models import User
from destek.core import rows


class _PlainUserLookup:
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = rows.first(User, '"id" = %s', [pk])
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user


class ModelBackend(_PlainUserLookup, django_backends.ModelBackend):
    """``destek.accounts.backends.ModelBackend`` (settings.AUTHENTICATION_BACKENDS)."""


class AuthenticationBackend(_PlainUserLookup, allauth_backends.AuthenticationBackend):
    """``destek.accounts.backends.AuthenticationBackend``: allauth's sign-in by email."""
