"""The agents' forms for incidents, maintenance, components, groups and backup routines
(/desk/incidents/). They validate and hand plain values to `destek.status.services`; the
component form also reads the members named on it (customers by email, organizations by
name), which the view saves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Organization, Role, User
from destek.status.models import (
    INCIDENT_STATES,
    MAINTENANCE_STATES,
    BackupRoutine,
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentState,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _style(form: forms.BaseForm) -> None:
    """Bootstrap's class on each widget, and the invalid mark on fields with errors (the
    templates render the component checkboxes themselves)."""
    errors = form.errors if form.is_bound and hasattr(form, "cleaned_data") else {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if name in errors:
            css += " is-invalid"
        widget.attrs["class"] = css


class DeskForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def full_clean(self) -> None:
        super().full_clean()
        _style(self)


class DeskModelForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def full_clean(self) -> None:
        super().full_clean()
        _style(self)


def _components_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Affected components"), queryset=Component.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one affected component.")})


# While an incident is open its components show one of the outages (maintenance is for
# scheduled maintenance, operational would show nothing).
OPEN_STATUSES = [(value, label) for value, label in ComponentStatus.choices
                 if value not in (ComponentStatus.OPERATIONAL, ComponentStatus.MAINTENANCE)]


class IncidentForm(DeskForm):
    """Declaring an incident: its title, impact, components and first update."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_tr = forms.CharField(label=_("Title in Turkish"), max_length=200, required=False)
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.MINOR)
    components = _components_field()
    component_status = forms.ChoiceField(
        label=_("Components' status while it is open"), choices=OPEN_STATUSES,
        initial=ComponentStatus.PARTIAL_OUTAGE)
    state = forms.ChoiceField(
        label=_("State"), initial=IncidentState.INVESTIGATING,
        choices=[(s.value, s.label) for s in INCIDENT_STATES if s != IncidentState.RESOLVED])
    body = forms.CharField(label=_("First update"), widget=forms.Textarea(attrs={"rows": 4}))
    body_tr = forms.CharField(label=_("First update in Turkish"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))


class MaintenanceForm(DeskForm):
    """Scheduling a maintenance: its window (in the agent's time zone), components, text."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_tr = forms.CharField(label=_("Title in Turkish"), max_length=200, required=False)
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.MINOR)
    components = _components_field()
    scheduled_start = forms.DateTimeField(
        label=_("Starts"), input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    scheduled_end = forms.DateTimeField(
        label=_("Ends"), input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    auto_transition = forms.BooleanField(
        label=_("Start and end it automatically"), required=False, initial=True,
        help_text=_("At the start of the window its components show maintenance and "
                    "customers are told; at its end it is completed."))
    body = forms.CharField(label=_("Announcement"), widget=forms.Textarea(attrs={"rows": 4}))
    body_tr = forms.CharField(label=_("Announcement in Turkish"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("scheduled_start"), data.get("scheduled_end")
        if start and end:
            if end <= start:
                self.add_error("scheduled_end", _("The window must end after it starts."))
            elif end <= timezone.now():
                self.add_error("scheduled_end", _("This window has already ended."))
        return data


class UpdateForm(DeskForm):
    """One more entry of the timeline."""

    state = forms.ChoiceField(label=_("State"))
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}))
    body_tr = forms.CharField(label=_("Message in Turkish"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    notify = forms.BooleanField(label=_("Notify affected customers and subscribers"),
                                required=False, initial=True)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        states = MAINTENANCE_STATES if kind == IncidentKind.MAINTENANCE else INCIDENT_STATES
        state = self.fields["state"]
        assert isinstance(state, forms.ChoiceField)
        state.choices = [(s.value, s.label) for s in states]


class ComponentsForm(DeskForm):
    components = _components_field()


class PostmortemForm(DeskForm):
    postmortem_url = forms.URLField(label=_("Post-mortem link"), max_length=500,
                                    required=False, assume_scheme="https")


class ComponentStatusForm(DeskForm):
    status = forms.ChoiceField(label=_("Status"), choices=ComponentStatus.choices)


def _lines(value: str) -> list[str]:
    seen: list[str] = []
    for line in value.splitlines():
        item = line.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


class ComponentForm(DeskModelForm):
    servers_text = forms.CharField(
        label=_("Servers / nodes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, as customers' services name them (e.g. web-07)."))
    plans_text = forms.CharField(
        label=_("Plans"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, as customers' services name them."))
    customers_text = forms.CharField(
        label=_("Customers named directly"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Email addresses, one a line: customers who depend on it without a "
                    "service on its servers or plans."))
    organizations_text = forms.CharField(
        label=_("Organizations named directly"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Names, one a line."))

    field_order = ["name", "name_tr", "slug", "group", "description", "description_tr",
                   "servers_text", "plans_text", "customers_text", "organizations_text",
                   "position", "alerts_publish", "is_public"]

    class Meta:
        model = Component
        fields = ["name", "name_tr", "slug", "group", "description", "description_tr",
                  "position", "alerts_publish", "is_public"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        component = self.instance
        if component.pk:
            self.fields["servers_text"].initial = "\n".join(component.servers or [])
            self.fields["plans_text"].initial = "\n".join(component.plans or [])
            members = component.members.select_related("customer", "organization")
            self.fields["customers_text"].initial = "\n".join(
                m.customer.email for m in members if m.customer)
            self.fields["organizations_text"].initial = "\n".join(
                m.organization.name for m in members if m.organization)

    def clean_customers_text(self) -> list[User]:
        emails = _lines(self.cleaned_data.get("customers_text", ""))
        found = {u.email.lower(): u for u in User.objects.filter(
            email__in=emails, role=Role.CUSTOMER)}
        missing = [e for e in emails if e.lower() not in found]
        if missing:
            raise forms.ValidationError(_("No customer with this address: %(emails)s"),
                                        params={"emails": ", ".join(missing)})
        return list(found.values())

    def clean_organizations_text(self) -> list[Organization]:
        names = _lines(self.cleaned_data.get("organizations_text", ""))
        found = {o.name: o for o in Organization.objects.filter(name__in=names)}
        missing = [n for n in names if n not in found]
        if missing:
            raise forms.ValidationError(_("No organization with this name: %(names)s"),
                                        params={"names": ", ".join(missing)})
        return list(found.values())

    def save(self, commit: bool = True) -> Component:
        component: Component = super().save(commit=False)
        component.servers = _lines(self.cleaned_data.get("servers_text", ""))
        component.plans = _lines(self.cleaned_data.get("plans_text", ""))
        if commit:
            component.save()
        return component


class GroupForm(DeskModelForm):
    class Meta:
        model = ComponentGroup
        fields = ["name", "name_tr", "position"]


class BackupRoutineForm(DeskModelForm):
    class Meta:
        model = BackupRoutine
        fields = ["component", "plan", "what", "what_tr", "every_hours", "keep_days",
                  "last_success_at"]
        widgets = {"last_success_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                          format=DATETIME_LOCAL)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        last = self.fields["last_success_at"]
        assert isinstance(last, forms.DateTimeField)
        last.input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("component") and not (data.get("plan") or "").strip():
            self.add_error("component", _("Choose a component or name a plan."))
        return data
