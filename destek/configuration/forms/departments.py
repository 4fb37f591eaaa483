"""Departments (names in both languages, assignment, members) and routing rules, as forms
made for people. The routing rule's hosting conditions are the admin's
(hosting.forms.HostingConditionFields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import STAFF_ROLES, Department, Organization, Role, User
from destek.configuration.forms.fields import DepartmentsField
from destek.configuration.forms.styling import StyledForm
from destek.core.formfields import CheckboxesField
from destek.hosting.forms import HostingConditionFields
from destek.tickets.models import Channel, RoutingRule


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


def active_staff() -> Any:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name",
                                                                             "email")


class DepartmentForm(StyledForm, forms.ModelForm):
    agents = StaffChoiceField(
        label=_("members"), queryset=active_staff(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who works in this department. Automatic assignment picks among them; "
                    "outsourced agents see only their departments' tickets."))

    class Meta:
        model = Department
        fields = ["name", "name_tr", "email", "assignment_mode", "supervisor", "is_public"]
        labels = {"name": _("name in English")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supervisor = self.fields["supervisor"]
        assert isinstance(supervisor, forms.ModelChoiceField)
        supervisor.queryset = active_staff().filter(
            role__in=[Role.SUPERVISOR, Role.ADMIN, Role.AGENT])
        if self.instance.pk:
            self.initial["agents"] = [m.pk for m in self.instance.agents.all()]


class RoutingRuleForm(StyledForm, HostingConditionFields, forms.ModelForm):
    channels = CheckboxesField(label=_("channels"), choices=Channel.choices,
                               help_text=_("Where the ticket came from. None ticked: any."))
    from_departments = DepartmentsField(
        label=_("when sent to"),
        help_text=_("Also re-route tickets the customer (or the mailbox) sent to one of these "
                    "departments. None ticked: only tickets that came without a department."))
    resellers = forms.ModelMultipleChoiceField(
        label=_("resellers"), queryset=Organization.objects.filter(is_reseller=True),
        required=False, widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Tickets of these resellers and of their end customers. None chosen: "
                    "any."))

    class Meta:
        model = RoutingRule
        fields = ["name", "position", "is_active", "from_departments", "channels",
                  "service_kinds", "tiers", "plans", "servers", "resellers", "department",
                  "raise_priority_to"]
