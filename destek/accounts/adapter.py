"""allauth glue: everyone who signs up is a customer; staff are created by admins."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from destek.accounts.emails import normalized_email
from destek.accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Sign-up and email forms store the address as every other door does."""
        return normalized_email(super().clean_email(email))

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "DESTEK_OPEN_SIGNUP", True))

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user.role = Role.CUSTOMER
        user.language = (getattr(request, "LANGUAGE_CODE", "") or "en")[:2]
        return super().save_user(request, user, form, commit)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "is_agent", False):
            return reverse("desk:queue")
        return reverse("portal:ticket_list")
