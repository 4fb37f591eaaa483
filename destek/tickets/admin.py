"""Configuration screens for admins: canned responses, tags and routing rules (tickets are
worked in the desk)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from destek.core.formfields import CheckboxesField
from destek.hosting.forms import HostingConditionFields
from destek.tickets.models import CannedResponse, Channel, RoutingRule, Tag
from destek.tickets.routing_rules import routing_rules_changed


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "department"]
    list_filter = ["language", "department"]
    search_fields = ["title", "body"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class RoutingRuleForm(HostingConditionFields, forms.ModelForm):
    channels = CheckboxesField(label=_("channels"), choices=Channel.choices,
                               help_text=_("Where the ticket came from. None ticked: any."))

    class Meta:
        model = RoutingRule
        fields = ["channels", "service_kinds", "tiers", "plans", "servers"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Every change reloads the rules in every process (their version moves)."""

    form = RoutingRuleForm
    list_display = ["name", "position", "is_active", "department", "raise_priority_to"]
    list_editable = ["position", "is_active"]
    filter_horizontal = ["from_departments"]
    autocomplete_fields = ["resellers"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active"],
                "description": _(
                    "A customer's new ticket goes to their organization's dedicated team "
                    "(or their reseller's) first. Otherwise the first active rule whose "
                    "conditions all hold sends it to its department. A department the "
                    "customer chose is kept unless the rule names it under \"when sent "
                    "to\"; an agent's choice is always kept.")}),
        (_("Conditions (empty: any)"), {"fields": [
            "from_departments", "channels", "service_kinds", "plans", "servers", "tiers",
            "resellers"]}),
        (_("Then"), {"fields": ["department", "raise_priority_to"]}),
    ]

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any,
                   change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: bool) -> None:
        super().save_related(request, form, formsets, change)
        routing_rules_changed()

    def delete_model(self, request: HttpRequest, obj: RoutingRule) -> None:
        super().delete_model(request, obj)
        routing_rules_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        routing_rules_changed()
