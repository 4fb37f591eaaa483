"""Desk forms: they only parse and validate input; the services decide what a change means.

Choice lists (departments, colleagues) are passed in as already-evaluated lists so every
select on a page shares one query instead of each form field running its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department, User
from destek.desk.choices import AgentOption, DepartmentOption
from destek.desk.filters import parse_id
from destek.desk.widgets import FastSelect, FastTextInput
from destek.tickets.models import Priority, Status, Ticket, WaitingFor, parse_reference

NO_CHANGE = ""
UNASSIGNED = "none"
MAX_CC = 20


def department_choices(
        departments: Sequence[Department | DepartmentOption]) -> list[tuple[str, str]]:
    language = get_language()
    return [(str(d.pk), d.localized_name(language)) for d in departments]


def agent_choices(agents: Sequence[User | AgentOption]) -> list[tuple[str, str]]:
    return [(str(a.pk), a.display_name) for a in agents]


def style(form: forms.Form, testid_prefix: str) -> None:
    """Bootstrap classes and stable data-testid hooks (the browser tests select by them)."""
    for name, field in form.fields.items():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", f"{css} form-select-sm" if css == "form-select"
                                else f"{css} form-control-sm")
        widget.attrs.setdefault("data-testid", f"{testid_prefix}-{name}")


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _pick(objects: Sequence[Any], value: str) -> Any:
    pk = parse_id(value)
    return next((o for o in objects if o.pk == pk), None)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), required=False, max_length=200_000,
                           widget=forms.Textarea(attrs={"rows": 6}))
    is_internal = forms.BooleanField(label=_("Internal note"), required=False)
    status = forms.ChoiceField(label=_("Set status"), required=False, widget=FastSelect,
                               choices=[(NO_CHANGE, _("Keep status")), *Status.choices])
    waiting_for = forms.ChoiceField(label=_("Waiting for (when pending or on hold)"),
                                    required=False, choices=WaitingFor.choices,
                                    widget=FastSelect)
    waiting_note = forms.CharField(label=_("Waiting note"), required=False, max_length=200,
                                   help_text=_("Shown to the customer as written."),
                                   widget=FastTextInput)


class TicketFieldsForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, widget=FastSelect)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      widget=FastSelect)
    department = forms.ChoiceField(label=_("Department"), widget=FastSelect)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=FastSelect)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500,
                           help_text=_("Separated by commas."), widget=FastTextInput)
    cc = forms.CharField(label=_("CC"), required=False, max_length=2000,
                         help_text=_("Email addresses, separated by commas."),
                         widget=FastTextInput)
    waiting_for = forms.ChoiceField(label=_("Waiting for (when pending or on hold)"),
                                    required=False, choices=WaitingFor.choices,
                                    widget=FastSelect)
    waiting_note = forms.CharField(label=_("Waiting note"), required=False, max_length=200,
                                   help_text=_("Shown to the customer as written."),
                                   widget=FastTextInput)

    def __init__(self, *args: Any, departments: Sequence[Department | DepartmentOption],
                 agents: Sequence[User | AgentOption], **kwargs: Any) -> None:
        """Options (destek.desk.choices) are enough to show the form; a bound form must be
        given models (destek.desk.lookups): what it cleans is handed to the services."""
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.agents = agents
        _set_choices(self, "department", department_choices(departments))
        _set_choices(self, "assignee", [("", _("Unassigned")), *agent_choices(agents)])
        style(self, "field")

    @classmethod
    def initial_for(cls, ticket: Ticket, tag_names: Sequence[str]) -> dict[str, Any]:
        return {
            "status": ticket.status,
            "priority": ticket.priority,
            "department": str(ticket.department_id),
            "assignee": str(ticket.assignee_id or ""),
            "tags": ", ".join(tag_names),
            "cc": ", ".join(ticket.cc_addresses),
            "waiting_for": ticket.waiting_for,
            "waiting_note": ticket.waiting_note,
        }

    def clean_department(self) -> Department:
        department = _pick(self.departments, self.cleaned_data["department"])
        if department is None:
            raise ValidationError(_("Choose a valid department."))
        return department

    def clean_assignee(self) -> User | None:
        return _pick(self.agents, self.cleaned_data.get("assignee", ""))

    def clean_cc(self) -> list[str]:
        raw = self.cleaned_data.get("cc", "").replace(";", ",")
        addresses: list[str] = []
        for item in raw.replace("\n", ",").split(","):
            address = item.strip().lower()
            if not address or address in addresses:
                continue
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    _("%(address)s is not a valid email address."), params={"address": address}
                ) from None
            addresses.append(address)
        if len(addresses) > MAX_CC:
            raise ValidationError(_("At most %(count)d CC addresses."), params={"count": MAX_CC})
        return addresses


class MergeForm(forms.Form):
    target = forms.CharField(label=_("Merge into ticket"), max_length=30,
                             widget=FastTextInput(attrs={"placeholder": "T-100042"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self, "merge")

    def clean_target(self) -> int:
        pk = parse_reference(self.cleaned_data["target"])
        if pk is None:
            raise ValidationError(_("Enter a ticket number such as T-100042."))
        return pk


def bulk_assignee_choices(agents: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    return [(NO_CHANGE, _("Assignee…")), (UNASSIGNED, _("Unassigned")), *agents]


def bulk_department_choices(departments: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    return [(NO_CHANGE, _("Department…")), *departments]


class BulkForm(forms.Form):
    """The queue's bulk bar: every field defaults to "no change".

    The queue page prints its selects itself (desk/queue.html, from these choices); the form
    validates what comes back.
    """

    # The same for everyone (the queue page prints them); assignee and department are not.
    STATUS_CHOICES: list[tuple[Any, Any]] = [(NO_CHANGE, _("Status…")), *Status.choices]
    PRIORITY_CHOICES: list[tuple[Any, Any]] = [(NO_CHANGE, _("Priority…")), *Priority.choices]

    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect,
                               choices=STATUS_CHOICES)
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None, widget=FastSelect,
        choices=PRIORITY_CHOICES,
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=FastSelect)
    department = forms.ChoiceField(label=_("Department"), required=False, widget=FastSelect)

    def __init__(self, *args: Any, departments: Sequence[Department], agents: Sequence[User],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.agents = agents
        _set_choices(self, "assignee", bulk_assignee_choices(agent_choices(agents)))
        _set_choices(self, "department",
                     bulk_department_choices(department_choices(departments)))
        style(self, "bulk")

    def changes(self) -> dict[str, Any]:
        """Keyword arguments for ticket_bulk_update, only for the fields the agent chose."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data.get("status"):
            changes["status"] = data["status"]
        if data.get("priority") is not None:
            changes["priority"] = data["priority"]
        if data.get("assignee") == UNASSIGNED:
            changes["assignee"] = None
        elif data.get("assignee"):
            changes["assignee"] = _pick(self.agents, data["assignee"])
        if data.get("department"):
            changes["department"] = _pick(self.departments, data["department"])
        return changes
