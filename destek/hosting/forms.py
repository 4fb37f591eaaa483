"""The hosting conditions a rule may have (SLA policies, routing rules), as an administrator
thinks of them: kinds and tiers ticked, plans and servers typed one per line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.core.formfields import CheckboxesField, LinesField
from destek.hosting.models import ServiceKind, Tier


class HostingConditionFields(forms.Form):
    """Mixed into a rule's ModelForm before `forms.ModelForm`."""

    service_kinds = CheckboxesField(
        label=_("service kinds"), choices=ServiceKind.choices,
        help_text=_("Only tickets about a service of a ticked kind. None ticked: any."))
    tiers = CheckboxesField(
        label=_("customer tiers"), choices=Tier.choices,
        help_text=_("Only customers of a ticked tier (their organization's, or their own). "
                    "None ticked: any."))
    plans = LinesField(
        label=_("plans"),
        help_text=_("One product / plan name per line, as on the ticket's service (e.g. "
                    "Business Pro). Empty: any."))
    servers = LinesField(
        label=_("servers"),
        help_text=_("One server / node name per line, as on the ticket's service (e.g. "
                    "web01.dc1). Empty: any."))
