"""The audit log in the Django admin: read-only, searchable, filtered by action and date."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from destek.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor_label", "ip", "target"]
    list_filter = ["action", "at"]
    search_fields = ["actor_label", "target", "=ip"]
    date_hierarchy = "at"
    readonly_fields = ["at", "action", "actor", "actor_label", "ip", "user_agent", "target",
                       "detail"]
    list_select_related = ["actor"]
    show_full_result_count = False  # no COUNT over the whole log on every page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
