"""The portal's forms: they collect and shape input; the intake funnel decides what is valid."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department
from destek.accounts.profile import MAX_PHONE_INPUT
from destek.accounts.zones import zone_choices
from destek.core.errors import ApplicationError
from destek.portal.lang import current_language
from destek.tickets.intake import MAX_BODY_CHARS, MAX_SUBJECT
from destek.tickets.models import Priority


class MultipleFileInput(forms.FileInput):
    """Django refuses `multiple` on a plain file input unless the widget allows it."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files, each checked like a single FileField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        single_clean = super().clean
        return [single_clean(item, initial) for item in items if item]


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.localized_name(current_language())


class PortalForm(forms.Form):
    """Bootstrap classes and `data-testid`s on widgets; `is-invalid` on fields with errors."""

    testids: dict[str, str] = {}
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission_id"].initial = uuid.uuid4()
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
            if name in self.testids:
                widget.attrs["data-testid"] = self.testids[name]

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if field in self.fields:
            widget = self.fields[field].widget
            classes = widget.attrs.get("class", "")
            if "is-invalid" not in classes.split():
                widget.attrs["class"] = f"{classes} is-invalid".strip()

    def add_application_error(self, error: ApplicationError) -> None:
        """Show a domain error next to the field it is about, or above the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class NewTicketForm(PortalForm):
    testids = {
        "department": "new-ticket-department",
        "priority": "new-ticket-priority",
        "subject": "new-ticket-subject",
        "body": "new-ticket-body",
        "attachments": "new-ticket-attachments",
    }

    department = DepartmentChoiceField(queryset=Department.objects.none(),
                                       label=_("Department"), empty_label=None)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      initial=Priority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    body = forms.CharField(label=_("Description"), max_length=MAX_BODY_CHARS,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Describe the problem and what you have already tried."))
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, DepartmentChoiceField)
        department.queryset = Department.objects.filter(is_public=True).order_by("name")


class ReplyForm(PortalForm):
    testids = {"body": "reply-body", "attachments": "reply-attachments"}

    body = forms.CharField(label=_("Your reply"), max_length=MAX_BODY_CHARS, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"))


LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


class ProfileForm(PortalForm):
    """The customer's own profile (destek.accounts.profile validates and saves it)."""

    testids = {
        "full_name": "profile-name",
        "phone": "profile-phone",
        "language": "profile-language",
        "time_zone": "profile-time-zone",
        "email_notifications": "profile-email-notifications",
    }

    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=MAX_PHONE_INPUT, required=False,
                            help_text=_("With the country code, e.g. +90 532 123 45 67."))
    language = forms.ChoiceField(label=_("Language"), choices=())
    time_zone = forms.ChoiceField(
        label=_("Time zone"), required=False,
        help_text=_("Dates in the portal and in our emails to you are shown in this zone."))
    email_notifications = forms.BooleanField(
        label=_("Email me about updates to my tickets"), required=False,
        help_text=_("Replies always appear here in the portal. Security emails (password "
                    "reset, address confirmation, data export links) are always sent."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        time_zone = self.fields["time_zone"]
        assert isinstance(time_zone, forms.ChoiceField)
        time_zone.choices = zone_choices()
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        # Each language under its own name, as the language switch shows them.
        language.choices = [(code, LANGUAGE_NAMES.get(code, code))
                            for code, _name in settings.LANGUAGES]
        checkbox = self.fields["email_notifications"].widget
        checkbox.attrs["class"] = "form-check-input"
