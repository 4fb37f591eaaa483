from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import Department, DepartmentMembership, Organization, User


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


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "assignment_mode", "supervisor", "is_public"]
    inlines = [MembershipInline]
    autocomplete_fields = ["supervisor"]
