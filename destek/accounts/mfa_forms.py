"""allauth's second-factor sign-in form (settings.MFA_FORMS["authenticate"]), which also
records a wrong or refused code in the audit log: the password was right, the sign-in failed."""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm as BaseAuthenticateForm
from django.core.exceptions import ValidationError

from destek.audit.log import Action, record


class AuthenticateForm(BaseAuthenticateForm):
    def clean_code(self) -> str:
        try:
            return str(super().clean_code())
        except ValidationError as error:
            reason = ("too_many_attempts" if error.code == "too_many_login_attempts"
                      else "wrong_mfa_code")
            record(Action.SIGN_IN_FAILED, actor=self.user, request=context.request,
                   target=f"user:{self.user.pk}", method="mfa", reason=reason)
            raise
