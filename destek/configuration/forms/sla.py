"""SLA policies and business calendars, as forms made for people: priorities, channels and
pause statuses ticked, hosting conditions as in the admin (hosting.forms), targets typed as
durations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Organization
from destek.configuration.durations import DurationField
from destek.configuration.forms.fields import DepartmentsField
from destek.configuration.forms.styling import StyledForm
from destek.core.formfields import CheckboxesField
from destek.hosting.forms import HostingConditionFields
from destek.sla.models import SlaPolicy
from destek.tickets.models import OPEN_STATUSES, Channel, Priority, Status

PAUSABLE = [(s.value, s.label) for s in Status if s in OPEN_STATUSES]


class SlaPolicyForm(StyledForm, HostingConditionFields, forms.ModelForm):
    priorities = CheckboxesField(
        label=_("priorities"), choices=Priority.choices, coerce=int,
        help_text=_("None ticked: any priority."))
    channels = CheckboxesField(label=_("channels"), choices=Channel.choices,
                               help_text=_("Where the ticket came from. None ticked: any."))
    departments = DepartmentsField(label=_("departments"),
                                   help_text=_("None ticked: any department."))
    resellers = forms.ModelMultipleChoiceField(
        label=_("resellers"), queryset=Organization.objects.filter(is_reseller=True),
        required=False, widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Tickets of these resellers and of their end customers. None chosen: "
                    "any."))
    first_response_minutes = DurationField(
        label=_("first response"), help_text=_("e.g. 1 h or 30 min. Empty: not measured."))
    next_response_minutes = DurationField(
        label=_("answer to every customer message"),
        help_text=_("The longest a customer may wait for an answer to any message."))
    resolution_minutes = DurationField(label=_("resolution"),
                                       help_text=_("e.g. 8 h or 3 d. Empty: not measured."))
    pause_statuses = CheckboxesField(
        label=_("the clock pauses while the ticket is"), choices=PAUSABLE,
        help_text=_("Resolved and closed always stop it."))
    progress_every_minutes = DurationField(
        label=_("progress report every"),
        help_text=_("Remind the assignee to update the customer when a ticket stays open "
                    "this long without an update. Empty: never."))
    progress_grace_minutes = DurationField(
        label=_("customer update after the reminder"), min_minutes=0,
        help_text=_("If nothing public is written this long after the reminder, the customer "
                    "gets a status update. Empty: a quarter of the period; at most half."))
    supervisor_after_minutes = DurationField(
        label=_("notify the supervisor after the breach"), min_minutes=0,
        help_text=_("0 min: at the breach. Empty: never."))
    reassign_after_minutes = DurationField(
        label=_("reassign after the breach"), min_minutes=0, help_text=_("Empty: never."))

    class Meta:
        model = SlaPolicy
        fields = [
            "name", "position", "is_active",
            "priorities", "channels", "departments",
            "service_kinds", "tiers", "plans", "servers", "resellers",
            "first_response_minutes", "next_response_minutes", "resolution_minutes",
            "calendar", "pause_statuses",
            "warn_percent", "warn_assignee", "breach_notify_assignee",
            "supervisor_after_minutes", "reassign_after_minutes", "reassign_to",
            "progress_every_minutes", "progress_customer_update",
            "progress_grace_minutes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        calendar = self.fields["calendar"]
        assert isinstance(calendar, forms.ModelChoiceField)
        calendar.empty_label = str(_("Around the clock (no calendar)"))
        calendar.help_text = _("Targets count only during this calendar's working hours.")
