"""Configuration screens: calendars (hours, holidays), policies, on-call rota; the deadline
recomputations with a progress bar. Every save goes through sla_config_changed, which reloads
the configuration everywhere and recomputes the open tickets in the background."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from destek.hosting.forms import HostingConditionFields
from destek.sla.configuration import sla_config_changed
from destek.sla.models import (
    BusinessCalendar,
    BusinessHours,
    Holiday,
    OnCallShift,
    OnCallWeekly,
    SlaPolicy,
    SlaRecompute,
)


class RecomputesOnChange(admin.ModelAdmin):
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        sla_config_changed(reason=f"{self.model._meta.verbose_name} {form.instance} saved")

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        sla_config_changed(reason=f"{self.model._meta.verbose_name} {obj} deleted")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        sla_config_changed(reason=f"{self.model._meta.verbose_name_plural} deleted")


class HoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RecomputesOnChange):
    list_display = ["name", "timezone", "is_24x7", "is_office_hours"]
    inlines = [HoursInline, HolidayInline]


class SlaPolicyForm(HostingConditionFields, forms.ModelForm):
    """The hosting conditions as an administrator thinks of them: kinds and tiers ticked,
    plans and servers typed one per line, resellers looked up by name."""

    class Meta:
        model = SlaPolicy
        fields = ["service_kinds", "tiers", "plans", "servers"]  # the admin adds the rest


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RecomputesOnChange):
    form = SlaPolicyForm
    list_display = ["name", "position", "is_active", "priorities", "first_response_minutes",
                    "next_response_minutes", "resolution_minutes", "calendar"]
    list_editable = ["position", "is_active"]
    filter_horizontal = ["departments", "organizations"]
    autocomplete_fields = ["resellers"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active"]}),
        (_("Conditions (empty: any)"), {"fields": ["priorities", "departments",
                                                   "organizations", "channels"]}),
        (_("Hosting conditions (empty: any)"), {
            "fields": ["service_kinds", "plans", "servers", "tiers", "resellers"],
            "description": _("The ticket's service and its customer's account. Every filled "
                             "condition must hold; within one, any value will do. A "
                             "policy may serve a customer faster than the general one for "
                             "the same priority, never slower.")}),
        (_("Targets"), {"fields": ["first_response_minutes", "next_response_minutes",
                                   "resolution_minutes", "calendar", "pause_statuses"]}),
        (_("Escalation"), {"fields": ["warn_percent", "warn_assignee", "breach_notify_assignee",
                                      "supervisor_after_minutes", "reassign_after_minutes",
                                      "reassign_to"]}),
        (_("Progress reports"), {"fields": ["progress_every_minutes",
                                            "progress_customer_update",
                                            "progress_grace_minutes"]}),
    ]

    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        from django.utils import timezone

        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["department", "agent", "starts_at", "ends_at"]
    list_filter = ["department"]
    raw_id_fields = ["agent"]


@admin.register(OnCallWeekly)
class OnCallWeeklyAdmin(admin.ModelAdmin):
    list_display = ["department", "agent", "weekday", "start", "end", "timezone"]
    list_filter = ["department", "weekday"]
    raw_id_fields = ["agent"]


@admin.register(SlaRecompute)
class SlaRecomputeAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "reason", "state", "progress", "done", "total",
                    "finished_at"]
    readonly_fields = ["state", "version", "reason", "total", "done", "last_ticket_id", "error",
                       "created_at", "started_at", "heartbeat_at", "finished_at"]

    @admin.display(description=_("progress"))
    def progress(self, obj: SlaRecompute) -> str:
        return format_html('<progress max="100" value="{}"></progress> {} %', obj.percent,
                           obj.percent)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
