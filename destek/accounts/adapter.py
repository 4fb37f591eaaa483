"""allauth glue: everyone who signs up is a customer; staff are created by admins.

The adapter is also where sign-ins, their failures, sign-outs and changes to a password or to
two-factor authentication reach the audit log: allauth calls it for each, whichever door
(the login form, the admin's login, which is allauth's, re-authentication, the API's password
check in destek.api.tokens), without a signal.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from destek.accounts.emails import normalized_email
from destek.accounts.models import Role
from destek.audit.log import Action, record

# The security notices allauth emails (send_notification_mail's templates), as audit events.
# The mail itself is sent only when ACCOUNT_EMAIL_NOTIFICATIONS is on; the event always is.
NOTICE_EVENTS = {
    "mfa/email/totp_activated": (Action.MFA_CHANGED, "totp_activated"),
    "mfa/email/totp_deactivated": (Action.MFA_CHANGED, "totp_deactivated"),
    "mfa/email/recovery_codes_generated": (Action.MFA_CHANGED, "recovery_codes_generated"),
    "mfa/email/webauthn_added": (Action.MFA_CHANGED, "webauthn_added"),
    "mfa/email/webauthn_removed": (Action.MFA_CHANGED, "webauthn_removed"),
    "account/email/password_changed": (Action.PASSWORD_CHANGED, "password_changed"),
    "account/email/password_set": (Action.PASSWORD_CHANGED, "password_set"),
    "account/email/password_reset": (Action.PASSWORD_CHANGED, "password_reset"),
    # The email management's changes (the profile's phone is recorded by accounts.profile).
    "account/email/email_changed": (Action.CONTACT_CHANGED, "email_changed"),
    "account/email/email_deleted": (Action.CONTACT_CHANGED, "email_deleted"),
}


def _attempted(credentials: dict[str, Any]) -> str:
    """The account a sign-in tried, as typed (never the password)."""
    return str(credentials.get("email") or credentials.get("username") or "")[:254]


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

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:  # too many failed attempts: refused before the password
            record(Action.SIGN_IN_FAILED, request=request, actor_label=_attempted(credentials),
                   reason="too_many_attempts")
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        record(Action.SIGN_IN_FAILED, request=request, actor_label=_attempted(credentials),
               reason="wrong_credentials")

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        record(Action.SIGN_IN, actor=user, request=request, target=f"user:{user.pk}",
               method="web")

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        if user.is_authenticated:
            record(Action.SIGN_OUT, actor=user, request=request, target=f"user:{user.pk}")
        super().logout(request)

    def send_notification_mail(self, template_prefix: str, user: Any,
                               context: dict[str, Any] | None = None,
                               email: str | None = None) -> None:
        event = NOTICE_EVENTS.get(template_prefix)
        if event is not None:
            action, change = event
            record(action, actor=user, request=self.request, target=f"user:{user.pk}",
                   change=change)
        super().send_notification_mail(template_prefix, user, context, email)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "is_agent", False):
            return reverse("desk:queue")
        return reverse("portal:ticket_list")
