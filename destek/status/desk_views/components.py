"""Components, their groups and the backup routines, for supervisors and administrators:
what the status page is made of and whom each component concerns. Every change is in the
audit log (Settings changed: the object and the changed fields, never their values)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.audit.log import Action, record
from destek.status import catalog, services
from destek.status.desk_views.access import manager_required
from destek.status.forms import (
    BackupRoutineForm,
    ComponentForm,
    ComponentStatusForm,
    GroupForm,
)
from destek.status.models import BackupRoutine, Component, ComponentGroup


def _audit(request: HttpRequest, obj: Model, change: str, fields: Iterable[str] = (),
           **extra: Any) -> None:
    meta = obj._meta
    detail: dict[str, Any] = {"change": change, "model": meta.label_lower,
                              "object": str(obj)[:200], "via": "status"}
    names = sorted(fields)
    if names:
        detail["fields"] = names
    detail.update(extra)
    record(Action.SETTINGS_CHANGED, request=request, target=f"{meta.label_lower}:{obj.pk}",
           **detail)


@require_GET
@manager_required
def component_list(request: HttpRequest) -> HttpResponse:
    return render(request, "status/desk/components.html", {
        "components": Component.objects.select_related("group").order_by(
            "group__position", "group__name", "position", "name"),
        "groups": ComponentGroup.objects.all(),
        "routines": BackupRoutine.objects.select_related("component").order_by("pk"),
        "status_form": ComponentStatusForm(),
    })


@manager_required
def component_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    component = get_object_or_404(Component, pk=pk) if pk else None
    form = ComponentForm(request.POST or None, instance=component)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        members_changed = catalog.component_set_members(
            component=saved, customers=form.cleaned_data["customers_text"],
            organizations=form.cleaned_data["organizations_text"])
        changed = [f for f in form.changed_data if f not in ("customers_text",
                                                             "organizations_text")]
        if members_changed:
            changed.append("members")
        _audit(request, saved, "changed" if component else "added", changed)
        messages.success(request, _("Component saved."))
        return redirect("status_desk:components")
    return render(request, "status/desk/component_edit.html", {
        "form": form, "component": component,
        "status_form": ComponentStatusForm(initial={"status": component.status})
        if component else None,
    })


@require_POST
@manager_required
def component_status(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Set a component's status by hand (between incidents: the next change of an incident
    on it sets it again)."""
    component = get_object_or_404(Component, pk=pk)
    form = ComponentStatusForm(request.POST)
    if form.is_valid() and form.cleaned_data["status"] != component.status:
        before = component.status
        services.component_set_status(component=component, status=form.cleaned_data["status"])
        _audit(request, component, "changed", ["status"], status_from=before,
               status_to=component.status)
        messages.success(request, _("Status set."))
    return redirect("status_desk:component_edit", component.pk)


@manager_required
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(ComponentGroup, pk=pk) if pk else None
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        _audit(request, saved, "changed" if group else "added", form.changed_data)
        messages.success(request, _("Group saved."))
        return redirect("status_desk:components")
    return render(request, "status/desk/group_edit.html", {"form": form, "group": group})


@manager_required
def backup_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    routine = get_object_or_404(BackupRoutine, pk=pk) if pk else None
    form = BackupRoutineForm(request.POST or None, instance=routine)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        _audit(request, saved, "changed" if routine else "added", form.changed_data)
        messages.success(request, _("Backup routine saved."))
        return redirect("status_desk:components")
    return render(request, "status/desk/backup_edit.html", {"form": form, "routine": routine})


@require_POST
@manager_required
def backup_delete(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    routine = get_object_or_404(BackupRoutine, pk=pk)
    _audit(request, routine, "deleted")
    routine.delete()
    messages.success(request, _("Backup routine deleted."))
    return redirect("status_desk:components")
