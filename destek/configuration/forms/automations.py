"""Settings → Automations: tickets in a status since some time (hours or days), with extra
conditions, and what to do with them; the documents are the triggers' (forms/triggers.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.automation.models import Automation, AutomationField
from destek.configuration.forms.styling import StyledForm
from destek.configuration.forms.triggers import ActionFields, ConditionFields
from destek.configuration.rule_calls import AutomationInput
from destek.tickets.models import Status

MAX_HOURS = 24 * 365


class AutomationForm(StyledForm, ConditionFields, ActionFields):
    name = forms.CharField(label=_("name"), max_length=120, error_messages={
        "required": _("Give the automation a name.")})
    # "status" is the action's field (set the status to).
    in_status = forms.ChoiceField(label=_("tickets in the status"), choices=Status.choices)
    field = forms.ChoiceField(label=_("counted since"), choices=AutomationField.choices,
                              initial=AutomationField.UPDATED_AT)
    amount = forms.IntegerField(label=_("for at least"), min_value=1, max_value=MAX_HOURS)
    unit = forms.ChoiceField(label=_("unit"), choices=[("hours", _("hours")),
                                                       ("days", _("days"))], initial="days")
    position = forms.IntegerField(label=_("position"), min_value=0, max_value=100000,
                                  initial=100, help_text=_("Automations run lowest first."))
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    # What an automation cannot know: no message is being read, no rating is being given,
    # and the status is the one above.
    NOT_FOR_AUTOMATIONS = ("statuses", "words_any", "regex", "sender_addresses",
                           "sender_domains", "business_hours", "rating_at_most")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.NOT_FOR_AUTOMATIONS:
            del self.fields[name]

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(_("Give the automation a name."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount = data.get("amount")
        if amount is not None and data.get("unit") == "days" and amount * 24 > MAX_HOURS:
            self.add_error("amount", _("At most a year."))
        self.clean_actions()
        return data

    def hours(self) -> int:
        data = self.cleaned_data
        return int(data["amount"]) * (24 if data.get("unit") == "days" else 1)

    @classmethod
    def initial_for(cls, automation: Automation) -> dict[str, Any]:
        days = automation.hours % 24 == 0
        return {"name": automation.name, "in_status": automation.status,
                "field": automation.field,
                "amount": automation.hours // 24 if days else automation.hours,
                "unit": "days" if days else "hours",
                "position": automation.position, "is_active": automation.is_active,
                **cls.conditions_initial(automation.conditions or {}),
                **cls.actions_initial(automation.actions or {})}

    def value(self) -> AutomationInput:
        data = self.cleaned_data
        position = data.get("position")
        return AutomationInput(name=data["name"], status=data["in_status"], field=data["field"],
                               hours=self.hours(), conditions=self.conditions(),
                               actions=self.actions(), is_active=bool(data.get("is_active")),
                               position=int(position if position is not None else 100))
