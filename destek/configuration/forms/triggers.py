"""Settings → Triggers: a rule as fields made for people, turned into the JSON documents of
the issue-19 schema (`conditions`, `actions`) that automation's services validate and store.

`ConditionFields` and `ActionFields` are shared with the automations' form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import STAFF_ROLES, Department, User
from destek.automation.models import Trigger, TriggerEvent
from destek.configuration.forms.fields import DepartmentsField
from destek.configuration.forms.styling import StyledForm
from destek.configuration.rule_calls import TriggerInput
from destek.core.formfields import CheckboxesField, LinesField
from destek.hosting.models import ServiceKind, Tier
from destek.tickets.models import Channel, Priority, Status
from destek.webhooks.models import Endpoint, EndpointKind

REGEX_MAX = 500
TAG = re.compile(r"^[-\w]{1,50}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CHAT_ROOMS = (EndpointKind.SLACK, EndpointKind.TEAMS, EndpointKind.MATTERMOST)


class TagsField(LinesField):
    """Tags typed one per line or separated by commas; kept as the desk's slugs."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, str):
            value = value.replace(",", "\n")
        return [line.lower() for line in super().to_python(value)]

    def validate(self, value: Any) -> None:
        super().validate(value)
        wrong = [tag for tag in value if not TAG.match(tag)]
        if wrong:
            raise forms.ValidationError(
                _("Tags are single words (letters, digits, - and _): %(tags)s"),
                params={"tags": ", ".join(wrong)})


class EmailsField(LinesField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        wrong = []
        for address in value:
            try:
                validate_email(address)
            except forms.ValidationError:
                wrong.append(address)
        if wrong:
            raise forms.ValidationError(_("Not an email address: %(items)s"),
                                        params={"items": ", ".join(wrong)})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [line.lower() for line in super().to_python(value)]


class DomainsField(LinesField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [line.lower().lstrip("@") for line in super().to_python(value)]

    def validate(self, value: Any) -> None:
        super().validate(value)
        wrong = [d for d in value if not DOMAIN.match(d)]
        if wrong:
            raise forms.ValidationError(_("Not a domain name: %(items)s"),
                                        params={"items": ", ".join(wrong)})


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class EndpointsField(forms.ModelMultipleChoiceField):
    def __init__(self, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(queryset=Endpoint.objects.filter(kind__in=kinds).order_by("name", "pk"),
                         required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.name} ({obj.get_kind_display()})"
        return f"{label} — {_('disabled')}" if obj.disabled_at else label


def _ids(values: Any) -> list[int]:
    return sorted(int(v.pk) for v in values or [])


class ConditionFields(forms.Form):
    """Which tickets: every field optional, all of them must hold; a list holds when any of
    its items does; nothing filled in: any ticket."""

    channels = CheckboxesField(label=_("channels"), choices=Channel.choices,
                               help_text=_("Where the ticket came from. None ticked: any."))
    department_ids = DepartmentsField(label=_("departments"),
                                      help_text=_("None ticked: any department."))
    priorities = CheckboxesField(label=_("priorities"), choices=Priority.choices, coerce=int,
                                 help_text=_("None ticked: any priority."))
    statuses = CheckboxesField(label=_("statuses"), choices=Status.choices,
                               help_text=_("None ticked: any status."))
    words_any = LinesField(
        label=_("words or phrases"),
        help_text=_("One per line; the subject or the message contains a whole word or phrase "
                    "of the list. Case and Turkish letters do not matter: “sitem açılmıyor” "
                    "also finds “SITEM ACILMIYOR”."))
    regex = forms.CharField(
        label=_("regular expression"), required=False, max_length=REGEX_MAX,
        help_text=_("For experts: a Python regular expression searched in the subject and "
                    "message, lower-cased and without Turkish accents."))
    tags_any = TagsField(label=_("has one of these tags"),
                         help_text=_("One per line or separated by commas."))
    tags_none = TagsField(label=_("has none of these tags"),
                          help_text=_("One per line or separated by commas."))
    sender_addresses = EmailsField(label=_("sender addresses"),
                                   help_text=_("One email address per line."))
    sender_domains = DomainsField(label=_("sender domains"),
                                  help_text=_("One domain per line, e.g. example.com."))
    tiers = CheckboxesField(label=_("customer tiers"), choices=Tier.choices,
                            help_text=_("None ticked: any."))
    service_kinds = CheckboxesField(label=_("service kinds"), choices=ServiceKind.choices,
                                    help_text=_("The ticket's service. None ticked: any."))
    plans = LinesField(label=_("plans"),
                       help_text=_("One plan name per line, as on the ticket's service."))
    business_hours = forms.ChoiceField(
        label=_("business hours"), required=False,
        choices=[("", _("any time")), ("in", _("during business hours")),
                 ("out", _("outside business hours"))],
        help_text=_("The ticket's SLA calendar, else the default one."))
    rating_at_most = forms.TypedChoiceField(
        label=_("rating at most"), required=False, coerce=int, empty_value=None,
        choices=[("", _("any rating")), *[(str(n), str(n)) for n in range(1, 6)]],
        help_text=_("Only with “Rating received”: the customer's score, 1 to 5."))

    CONDITION_KEYS = ("channels", "department_ids", "priorities", "statuses", "tags_any",
                      "tags_none", "words_any", "regex", "sender_addresses", "sender_domains",
                      "tiers", "plans", "service_kinds", "business_hours", "rating_at_most")

    def clean_regex(self) -> str:
        pattern = str(self.cleaned_data.get("regex") or "").strip()
        if pattern:
            try:
                re.compile(pattern)
            except (re.error, OverflowError, RecursionError) as error:
                raise forms.ValidationError(
                    _("This regular expression is not valid: %(error)s"),
                    params={"error": str(error)}) from None
        return pattern

    def conditions(self) -> dict[str, Any]:
        """The conditions document: only what was filled in."""
        data = self.cleaned_data
        doc: dict[str, Any] = {}
        for key in self.CONDITION_KEYS:
            if key not in self.fields:
                continue
            value = data.get(key)
            if key == "department_ids":
                value = _ids(value)
            if value in (None, "", []):
                continue
            doc[key] = list(value) if isinstance(value, list | tuple) else value
        return doc

    @classmethod
    def conditions_initial(cls, doc: dict[str, Any]) -> dict[str, Any]:
        initial = {key: doc[key] for key in cls.CONDITION_KEYS if key in doc}
        if "rating_at_most" in initial and initial["rating_at_most"] is not None:
            initial["rating_at_most"] = str(initial["rating_at_most"])
        return initial


class ActionFields(forms.Form):
    """What to do: anything left empty is not done."""

    priority = forms.TypedChoiceField(
        label=_("set the priority to"), required=False, coerce=int, empty_value=None,
        choices=[("", _("leave as it is")), *Priority.choices])
    status = forms.ChoiceField(label=_("set the status to"), required=False,
                               choices=[("", _("leave as it is")), *Status.choices])
    department_id = forms.ModelChoiceField(
        label=_("move to the department"), required=False,
        queryset=Department.objects.order_by("name"), empty_label=_("leave as it is"))
    assignee_id = StaffField(
        label=_("assign to"), required=False, empty_label=_("leave as it is"),
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .order_by("full_name", "email"))
    unassign = forms.BooleanField(label=_("unassign"), required=False,
                                  help_text=_("Nobody works on it any more."))
    tags_add = TagsField(label=_("add tags"), help_text=_("One per line or separated by commas."))
    tags_remove = TagsField(label=_("remove tags"),
                            help_text=_("One per line or separated by commas."))
    note = forms.CharField(
        label=_("add an internal note"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only agents see it. Placeholders work here."))
    email_to = forms.ChoiceField(
        label=_("send an email to"), required=False,
        choices=[("", _("nobody")), ("customer", _("the customer")),
                 ("assignee", _("the assignee")), ("addresses", _("these addresses"))],
        help_text=_("Never sent in answer to an automatic reply."))
    email_addresses = EmailsField(label=_("addresses"),
                                  help_text=_("One email address per line."))
    email_subject_en = forms.CharField(label=_("subject in English"), required=False,
                                       max_length=250)
    email_body_en = forms.CharField(label=_("text in English"), required=False, max_length=20000,
                                    widget=forms.Textarea(attrs={"rows": 4}))
    email_subject_tr = forms.CharField(label=_("subject in Turkish"), required=False,
                                       max_length=250)
    email_body_tr = forms.CharField(label=_("text in Turkish"), required=False, max_length=20000,
                                    widget=forms.Textarea(attrs={"rows": 4}))
    notify_endpoint_ids = EndpointsField(
        CHAT_ROOMS, label=_("tell these chat rooms"),
        help_text=_("A message with the ticket's number, subject, priority and link."))
    webhook_endpoint_ids = EndpointsField(
        (EndpointKind.WEBHOOK,), label=_("call these webhooks"),
        help_text=_("A signed call with the ticket's data."))

    # What a rule's note and email may say (the engine fills them in).
    PLACEHOLDERS = ("{ticket_number}", "{subject}", "{customer_name}", "{agent_name}",
                    "{priority}", "{status}", "{link}")
    EMAIL_FIELDS = ("email_subject_en", "email_body_en", "email_subject_tr", "email_body_tr")

    def clean_actions(self) -> None:
        """Called from the form's clean(): the email's parts, and something to do."""
        data = self.cleaned_data
        to = data.get("email_to") or ""
        if to:
            if to == "addresses" and not data.get("email_addresses") \
                    and "email_addresses" not in self.errors:
                self.add_error("email_addresses", _("Give at least one address."))
            for name in self.EMAIL_FIELDS:
                if not str(data.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, _("Write it in both languages: the customer gets "
                                           "the one of their language."))
        if data.get("unassign") and data.get("assignee_id"):
            self.add_error("unassign", _("Either assign or unassign, not both."))
        if not self.errors and not self.actions():
            raise forms.ValidationError(_("Choose at least one thing to do."))

    def actions(self) -> dict[str, Any]:
        """The actions document: only what is done."""
        data = self.cleaned_data
        doc: dict[str, Any] = {}
        if data.get("priority") is not None:
            doc["priority"] = int(data["priority"])
        if data.get("status"):
            doc["status"] = data["status"]
        if data.get("department_id"):
            doc["department_id"] = data["department_id"].pk
        if data.get("assignee_id"):
            doc["assignee_id"] = data["assignee_id"].pk
        if data.get("unassign"):
            doc["unassign"] = True
        for key in ("tags_add", "tags_remove"):
            if data.get(key):
                doc[key] = list(data[key])
        note = str(data.get("note") or "").replace("\r\n", "\n").strip()
        if note:
            doc["note"] = note
        to = data.get("email_to") or ""
        if to:
            text = {name: str(data.get(name) or "").replace("\r\n", "\n").strip()
                    for name in self.EMAIL_FIELDS}
            doc["email"] = {
                "to": to, "addresses": list(data.get("email_addresses") or [])
                if to == "addresses" else [],
                "subject": {"en": text["email_subject_en"], "tr": text["email_subject_tr"]},
                "body": {"en": text["email_body_en"], "tr": text["email_body_tr"]},
            }
        for key in ("notify_endpoint_ids", "webhook_endpoint_ids"):
            ids = _ids(data.get(key))
            if ids:
                doc[key] = ids
        return doc

    @staticmethod
    def actions_initial(doc: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            key: doc[key] for key in ("priority", "status", "department_id", "assignee_id",
                                      "unassign", "tags_add", "tags_remove", "note",
                                      "notify_endpoint_ids", "webhook_endpoint_ids")
            if key in doc}
        email = doc.get("email") or {}
        if email:
            initial.update(
                email_to=email.get("to", ""), email_addresses=email.get("addresses") or [],
                email_subject_en=(email.get("subject") or {}).get("en", ""),
                email_subject_tr=(email.get("subject") or {}).get("tr", ""),
                email_body_en=(email.get("body") or {}).get("en", ""),
                email_body_tr=(email.get("body") or {}).get("tr", ""))
        return initial


class TriggerForm(StyledForm, ConditionFields, ActionFields):
    name = forms.CharField(label=_("name"), max_length=120, error_messages={
        "required": _("Give the trigger a name.")})
    events = CheckboxesField(label=_("events"), choices=TriggerEvent.choices, required=True,
                             error_messages={"required": _("Tick at least one event.")})
    position = forms.IntegerField(label=_("position"), min_value=0, max_value=100000,
                                  required=False,
                                  help_text=_("Triggers run lowest first. Empty: last."))
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
    stop_here = forms.BooleanField(
        label=_("stop here"), required=False,
        help_text=_("When this trigger fires, the triggers after it do not run for this event."))

    field_order = ["name", "events", "position", "is_active", "stop_here"]

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(_("Give the trigger a name."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rating_at_most") is not None \
                and TriggerEvent.RATING_RECEIVED not in (data.get("events") or []):
            self.add_error("rating_at_most",
                           _("A rating is only known for “Rating received”: tick that event "
                             "or leave this empty."))
        self.clean_actions()
        return data

    @classmethod
    def initial_for(cls, trigger: Trigger) -> dict[str, Any]:
        return {"name": trigger.name, "events": list(trigger.events),
                "position": trigger.position, "is_active": trigger.is_active,
                "stop_here": trigger.stop_here,
                **cls.conditions_initial(trigger.conditions or {}),
                **cls.actions_initial(trigger.actions or {})}

    def value(self) -> TriggerInput:
        """The trigger as automation's services take it."""
        data = self.cleaned_data
        return TriggerInput(name=data["name"], events=list(data["events"]),
                            conditions=self.conditions(), actions=self.actions(),
                            stop_here=bool(data.get("stop_here")),
                            is_active=bool(data.get("is_active")),
                            position=data.get("position"))
