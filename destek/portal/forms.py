"""The portal's forms: they collect and shape input; the intake funnel decides what is valid."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department, User
from destek.accounts.profile import MAX_PHONE_INPUT
from destek.accounts.zones import zone_choices
from destek.core.errors import ApplicationError
from destek.hosting.labels import service_label
from destek.hosting.models import Service, ServiceStatus
from destek.hosting.selectors import service_of, services_to_choose
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


class ServiceChoiceField(forms.ChoiceField):
    """One of the customer's services that is not cancelled, or none; cleans to the `Service`
    row, so the funnel needs no query to know it. The list is read only to be shown (one
    query); a choice is checked by reading that one service (one query); no choice, nothing.
    Anyone else's id is refused as an unknown one is."""

    def __init__(self, *, customer: User, **kwargs: Any) -> None:
        self.customer = customer
        self._services: list[Service] | None = None
        super().__init__(choices=self._choices, required=False, initial=self._initial,
                         **kwargs)

    @property
    def services(self) -> list[Service]:
        if self._services is None:
            self._services = services_to_choose(customer=self.customer)
        return self._services

    def _choices(self) -> list[tuple[str, str]]:
        return [("", str(_("Not about a specific service"))),
                *((str(s.pk), service_label(s)) for s in self.services)]

    def _initial(self) -> str:
        """Their only service, chosen for them."""
        return str(self.services[0].pk) if len(self.services) == 1 else ""

    def clean(self, value: Any) -> Service | None:
        text = self.to_python(value)
        if not text:
            return None
        refused = forms.ValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice")
        service = service_of(customer=self.customer, service_id=int(text)) \
            if text.isdecimal() else None
        if service is None or service.status == ServiceStatus.CANCELLED:
            raise refused
        return service


class NewTicketForm(PortalForm):
    testids = {
        "service": "new-ticket-service",
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

    def __init__(self, *args: Any, customer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, DepartmentChoiceField)
        department.queryset = Department.objects.filter(is_public=True).order_by("name")
        self.fields["service"] = ServiceChoiceField(
            customer=customer, label=_("Service"),
            help_text=_("The hosting account, server or domain this ticket is about."),
            error_messages={"invalid_choice": _("Choose one of your services.")},
            widget=forms.Select(attrs={"class": "form-select",
                                       "data-testid": self.testids["service"]}))

    @property
    def offers_services(self) -> bool:
        """Whether the customer has services to choose from (the picker is shown)."""
        field = self.fields["service"]
        assert isinstance(field, ServiceChoiceField)
        return bool(field.services)


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
