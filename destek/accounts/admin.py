from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department, DepartmentMembership, Organization, User
from destek.audit.log import Action, record

# What a user may do: a change to any of these is a role change in the audit log.
PRIVILEGE_FIELDS = ("role", "is_staff", "is_superuser")


class MembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    autocomplete_fields = ["agent"]
    readonly_fields = ["last_assigned_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "organization", "is_active", "is_available"]
    list_filter = ["role", "is_active", "is_available"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["organization"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "phone", "language", "organization")}),
        (_("Role"), {"fields": ("role", "is_available", "max_open_tickets")}),
        (_("Admin site"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "full_name", "role", "password1", "password2")}),
    )
    filter_horizontal = ()

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm[Any],
                   change: bool) -> None:
        submitted = getattr(form, "changed_data", None) or ()  # no form: a direct call
        changed = [f for f in PRIVILEGE_FIELDS if f in submitted or not change]
        old = {f: form.initial.get(f) for f in changed} if change else None
        super().save_model(request, obj, form, change)
        if changed:
            record(Action.ROLE_CHANGED, request=request, target=f"user:{obj.pk}",
                   user=obj.email, old_role=old.get("role", obj.role) if old else None,
                   new_role=obj.role, old=old, new={f: getattr(obj, f) for f in changed})


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "assignment_mode", "supervisor", "is_public"]
    inlines = [MembershipInline]
    autocomplete_fields = ["supervisor"]
