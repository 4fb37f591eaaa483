"""Admin screens: services (typed in by hand or imported), each account's worth (read only),
and the settings that price and tier customers. Every save goes through `services`, so an
account's worth moves with its services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from destek.hosting.admin_imports import ServiceImportAdmin
from destek.hosting.models import CustomerValue, HostingSettings, Service
from destek.hosting.selectors import forget_base_currency
from destek.hosting.services import refresh_all_values, service_delete, service_save
from destek.hosting.whmcs import admin as whmcs_admin  # noqa: F401  (registers its screens)


@admin.register(Service)
class ServiceAdmin(ServiceImportAdmin):
    list_display = ["__str__", "kind", "plan", "status", "customer", "organization", "server",
                    "renews_on", "recurring_amount", "currency"]
    list_filter = ["kind", "status", "control_panel", "billing_cycle"]
    search_fields = ["domain", "plan", "server", "external_id", "customer__email",
                     "organization__name"]
    autocomplete_fields = ["customer", "organization"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        service_save(service=obj)

    def delete_model(self, request: HttpRequest, obj: Service) -> None:
        service_delete(service=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        for service in queryset:
            service_delete(service=service)


@admin.register(CustomerValue)
class CustomerValueAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "organization", "tier", "monthly_value",
                    "lifetime_value", "customer_since", "active_services"]
    list_filter = ["tier"]
    search_fields = ["customer__email", "organization__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HostingSettings)
class HostingSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "base_currency", "plus_from", "key_account_from"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not HostingSettings.objects.exists()

    def save_model(self, request: HttpRequest, obj: HostingSettings, form: Any,
                   change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_base_currency()
        written = refresh_all_values()
        self.message_user(request, _("Recomputed the value and tier of %(count)d accounts.")
                          % {"count": written}, messages.SUCCESS)
