"""Staff as Settings shows them: an invitation (address, name, role, departments) and a staff
member's role, departments and availability."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.accounts.emails import normalized_email
from destek.accounts.models import Role, User
from destek.configuration.forms.fields import DepartmentsField
from destek.configuration.forms.styling import StyledForm

LANGUAGES = [("en", "English"), ("tr", "Türkçe")]  # as User.language
STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.CUSTOMER]
ROLE_HELP = _("Agents work in every department; outsourced agents only in theirs; "
              "supervisors also change business hours; administrators change every setting.")


def departments_field() -> DepartmentsField:
    return DepartmentsField(
        label=_("departments"),
        help_text=_("An outsourced agent sees only the tickets, chats and customers of these "
                    "departments."))


class InvitationForm(StyledForm, forms.Form):
    email = forms.EmailField(label=_("email address"))
    full_name = forms.CharField(label=_("full name"), max_length=200)
    role = forms.ChoiceField(label=_("role"), choices=STAFF_ROLE_CHOICES, initial=Role.AGENT,
                             help_text=ROLE_HELP)
    language = forms.ChoiceField(label=_("language"), choices=LANGUAGES,
                                 help_text=_("The invitation and later emails are in this "
                                             "language."))
    departments = departments_field()

    def clean_email(self) -> str:
        email = normalized_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Someone already has an account with this address."))
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _needs_department(self, data)
        return data


class StaffForm(StyledForm, forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=STAFF_ROLE_CHOICES, help_text=ROLE_HELP)
    departments = departments_field()
    is_available = forms.BooleanField(label=_("available for assignment"), required=False)
    max_open_tickets = forms.IntegerField(label=_("open ticket limit"), min_value=1,
                                          max_value=10_000)
    is_active = forms.BooleanField(
        label=_("active"), required=False,
        help_text=_("Untick to deactivate: they can no longer sign in; their tickets and "
                    "history stay."))

    def __init__(self, *args: Any, user: User, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "role": user.role, "is_available": user.is_available,
            "max_open_tickets": user.max_open_tickets, "is_active": user.is_active,
            "departments": [d.pk for d in user.departments.all()]})
        super().__init__(*args, **kwargs)
        self.user, self.actor = user, actor

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.user.pk == self.actor.pk and (data.get("role") != self.user.role
                                               or not data.get("is_active")):
            raise forms.ValidationError(_("You cannot change your own role or deactivate "
                                          "yourself; ask another administrator."))
        _needs_department(self, data)
        return data


def _needs_department(form: forms.Form, data: dict[str, Any]) -> None:
    if data.get("role") == Role.OUTSOURCED and not data.get("departments"):
        form.add_error("departments", _("An outsourced agent needs at least one department, "
                                        "or they see nothing."))
