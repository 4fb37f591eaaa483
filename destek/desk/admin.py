"""The admin is where departments, memberships, staff and canned responses change: each change
it saves reloads the desk's option lists at once (destek.desk.choices), with no model signal.

The desk wraps the admins its options read from (registered by accounts and tickets, which
come first in INSTALLED_APPS) instead of those apps calling up into the desk.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from destek.accounts.models import Department, User
from destek.desk import choices
from destek.tickets.models import CannedResponse


class ReloadsDeskOptions(admin.ModelAdmin):
    """Mixed in before the app's own admin class."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any],
                   change: bool) -> None:
        super().save_model(request, obj, form, change)
        choices.bump()

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any,
                     change: bool) -> None:
        super().save_related(request, form, formsets, change)  # memberships are an inline
        choices.bump()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        choices.bump()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        choices.bump()


def _reload_on_change(model: type[Model]) -> None:
    registered = admin.site.get_model_admin(model)
    admin.site.unregister(model)
    wrapped = type(type(registered).__name__, (ReloadsDeskOptions, type(registered)), {})
    admin.site.register(model, wrapped)


for _model in (Department, User, CannedResponse):
    _reload_on_change(_model)
