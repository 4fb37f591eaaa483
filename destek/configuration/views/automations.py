"""Settings → Automations (administrators): rules beat runs on tickets that have been in a
status for a while; the list, the form, a preview of what it would act on, and "run now".

Writes go through automation's schedule services (configuration/rule_calls.py), which audit."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from destek.accounts.web import acting_user
from destek.automation.models import Automation
from destek.configuration import rule_calls
from destek.configuration.access import settings_page
from destek.configuration.forms.automations import AutomationForm
from destek.configuration.rule_calls import Preview
from destek.configuration.views.triggers import add_service_error
from destek.core.errors import ApplicationError
from destek.tickets.models import Status

MAX_LISTED = 500


def _form_page(request: HttpRequest, form: AutomationForm, automation: Automation | None,
               preview: Preview | None = None, status: int = 200) -> HttpResponse:
    return render(request, "configuration/rules/automation_form.html", {
        "form": form, "automation": automation, "preview": preview,
        "label": rule_calls.automation_label(automation) if automation else ""},
        status=status)


def _automation(automation_id: int) -> Automation:
    return get_object_or_404(Automation, pk=automation_id)


def _period(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


@settings_page("automations")
def automation_list(request: HttpRequest) -> HttpResponse:
    statuses = dict(Status.choices)
    rows = [{"a": a, "name": rule_calls.automation_label(a),
             "status": statuses.get(a.status, a.status), "period": _period(a.hours)}
            for a in Automation.objects.order_by("position", "pk")[:MAX_LISTED]]
    return render(request, "configuration/rules/automation_list.html", {"rows": rows})


def _save(request: HttpRequest, automation: Automation | None) -> HttpResponse:
    form = AutomationForm(request.POST)
    if form.is_valid():
        actor = acting_user(request)
        try:
            if automation is None:
                saved = rule_calls.automation_create(actor=actor, data=form.value())
            else:
                saved = rule_calls.automation_update(actor=actor, automation=automation,
                                                     data=form.value())
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The automation “%(name)s” was saved.")
                             % {"name": saved.name})
            return redirect("settings:automations")
    return _form_page(request, form, automation, status=400)


@settings_page("automations")
def automation_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    return _form_page(request, AutomationForm(), None)


@settings_page("automations")
def automation_edit(request: HttpRequest, automation_id: int) -> HttpResponse:
    automation = _automation(automation_id)
    if request.method == "POST":
        return _save(request, automation)
    return _form_page(request, AutomationForm(initial=AutomationForm.initial_for(automation)),
                      automation)


@settings_page("automations")
def automation_preview(request: HttpRequest, automation_id: int | None = None) -> HttpResponse:
    """The form as typed, not saved: the tickets it would act on if it ran now."""
    automation = _automation(automation_id) if automation_id else None
    if request.method != "POST":
        return redirect("settings:automation_edit", automation_id) if automation else redirect(
            "settings:automation_new")
    form = AutomationForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, automation, status=400)
    try:
        preview = rule_calls.automation_preview(data=form.value(), automation=automation)
    except ApplicationError as error:
        add_service_error(form, error)
        return _form_page(request, form, automation, status=400)
    return _form_page(request, form, automation, preview=preview)


@settings_page("automations")
def automation_run(request: HttpRequest, automation_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    automation = _automation(automation_id)
    try:
        count = rule_calls.automation_run_now(actor=acting_user(request), automation=automation)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ngettext(
            "“%(name)s” ran: %(count)d ticket.", "“%(name)s” ran: %(count)d tickets.", count)
            % {"name": automation.name, "count": count})
    return redirect("settings:automations")


@settings_page("automations")
def automation_delete(request: HttpRequest, automation_id: int) -> HttpResponse:
    automation = _automation(automation_id)
    if request.method != "POST":
        return render(request, "configuration/rules/rule_delete.html", {
            "rule": automation, "kind": "automation",
            "back": "settings:automation_edit", "delete": "settings:automation_delete"})
    rule_calls.automation_delete(actor=acting_user(request), automation=automation)
    messages.success(request, _("The automation “%(name)s” was deleted.")
                     % {"name": automation.name})
    return redirect("settings:automations")
