"""Authentication backends: Django's and allauth's, named in settings.AUTHENTICATION_BACKENDS.
Sign-in, permissions and the active check are theirs; a session whose user id is not a number
(tampered, or from another deployment) is signed out instead of failing the request."""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from destek.accounts.models import User


def _user_pk(user_id: Any) -> int | None:
    try:
        return int(user_id)
    except (TypeError, ValueError):
        return None


class ModelBackend(django_backends.ModelBackend):
    """``destek.accounts.backends.ModelBackend`` (settings.AUTHENTICATION_BACKENDS)."""

    def get_user(self, user_id: Any) -> User | None:
        pk = _user_pk(user_id)
        return None if pk is None else super().get_user(pk)


class AuthenticationBackend(allauth_backends.AuthenticationBackend):
    """``destek.accounts.backends.AuthenticationBackend``: allauth's sign-in by email."""

    def get_user(self, user_id: Any) -> User | None:
        pk = _user_pk(user_id)
        return None if pk is None else super().get_user(pk)
