"""Settings → Triggers (administrators): the ordered list, the form, the dry run.

Every write goes through automation's services (configuration/rule_calls.py), which validate
the documents, bump the rules' version and write the audit event."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from destek.accounts.web import acting_user
from destek.automation.models import Trigger, TriggerEvent
from destek.configuration import rule_calls
from destek.configuration.access import settings_page
from destek.configuration.forms.triggers import TriggerForm
from destek.configuration.rule_calls import Preview, TriggerInput
from destek.core.errors import ApplicationError

MAX_LISTED = 500

# A service's error names a key of the JSON documents; some are form fields of another name.
FIELD_ALIASES = {"email": "email_to", "addresses": "email_addresses", "subject": "email_subject_en",
                 "body": "email_body_en", "conditions": None, "actions": None}


def add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """The service's refusal next to the field it is about (else above the form)."""
    name = None
    for part in reversed((error.field or "").split(".")):
        candidate = FIELD_ALIASES.get(part, part)
        if candidate and candidate in form.fields:
            name = candidate
            break
    form.add_error(name, error.message)


@dataclass(frozen=True)
class TriggerRow:
    pk: int
    name: str
    events: str
    is_active: bool
    stop_here: bool
    shipped: bool
    fire_count: int
    last_fired_at: object
    position: int


def _event_labels(values: list[str]) -> str:
    labels = dict(TriggerEvent.choices)
    return ", ".join(str(labels.get(v, v)) for v in values)


def _form_page(request: HttpRequest, form: TriggerForm, trigger: Trigger | None,
               preview: Preview | None = None, status: int = 200) -> HttpResponse:
    return render(request, "configuration/rules/trigger_form.html", {
        "form": form, "trigger": trigger, "preview": preview,
        "label": rule_calls.trigger_label(trigger) if trigger else ""}, status=status)


def _trigger(trigger_id: int) -> Trigger:
    return get_object_or_404(Trigger, pk=trigger_id)


@settings_page("triggers")
def trigger_list(request: HttpRequest) -> HttpResponse:
    found = list(Trigger.objects.order_by("position", "pk")[:MAX_LISTED])
    rows = [TriggerRow(pk=t.pk, name=rule_calls.trigger_label(t), events=_event_labels(t.events),
                       is_active=t.is_active, stop_here=t.stop_here, shipped=bool(t.default_key),
                       fire_count=t.fire_count, last_fired_at=t.last_fired_at,
                       position=t.position) for t in found]
    return render(request, "configuration/rules/trigger_list.html", {"rows": rows})


def _save(request: HttpRequest, trigger: Trigger | None) -> HttpResponse:
    form = TriggerForm(request.POST)
    if form.is_valid():
        actor = acting_user(request)
        try:
            if trigger is None:
                saved = rule_calls.trigger_create(actor=actor, data=form.value(),
                                                  request=request)
            else:
                saved = rule_calls.trigger_update(actor=actor, trigger=trigger,
                                                  data=form.value(), request=request)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The trigger “%(name)s” was saved.")
                             % {"name": saved.name})
            return redirect("settings:triggers")
    return _form_page(request, form, trigger, status=400)


@settings_page("triggers")
def trigger_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    return _form_page(request, TriggerForm(), None)


@settings_page("triggers")
def trigger_edit(request: HttpRequest, trigger_id: int) -> HttpResponse:
    trigger = _trigger(trigger_id)
    if request.method == "POST":
        return _save(request, trigger)
    return _form_page(request, TriggerForm(initial=TriggerForm.initial_for(trigger)), trigger)


@settings_page("triggers")
def trigger_preview(request: HttpRequest, trigger_id: int | None = None) -> HttpResponse:
    """The dry run: the form as typed, not saved, tried on the last 30 days' tickets."""
    trigger = _trigger(trigger_id) if trigger_id else None
    if request.method != "POST":
        return redirect("settings:trigger_edit", trigger_id) if trigger else redirect(
            "settings:trigger_new")
    form = TriggerForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, trigger, status=400)
    value = form.value()
    try:
        preview = rule_calls.trigger_preview(events=value.events, conditions=value.conditions,
                                             actions=value.actions)
    except ApplicationError as error:
        add_service_error(form, error)
        return _form_page(request, form, trigger, status=400)
    return _form_page(request, form, trigger, preview=preview)


@settings_page("triggers")
def trigger_delete(request: HttpRequest, trigger_id: int) -> HttpResponse:
    trigger = _trigger(trigger_id)
    if request.method != "POST":
        return render(request, "configuration/rules/rule_delete.html", {
            "rule": trigger, "kind": "trigger",
            "back": "settings:trigger_edit", "delete": "settings:trigger_delete"})
    rule_calls.trigger_delete(actor=acting_user(request), trigger=trigger, request=request)
    messages.success(request, _("The trigger “%(name)s” was deleted.") % {"name": trigger.name})
    return redirect("settings:triggers")


@settings_page("triggers")
def trigger_toggle(request: HttpRequest, trigger_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    trigger = _trigger(trigger_id)
    current = TriggerInput.of(trigger)
    data = TriggerInput(**{**vars(current), "is_active": not current.is_active})
    try:
        rule_calls.trigger_update(actor=acting_user(request), trigger=trigger, data=data,
                                  request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, (_("“%(name)s” is on.") if data.is_active
                                   else _("“%(name)s” is off.")) % {"name": trigger.name})
    return redirect("settings:triggers")


@settings_page("triggers")
def trigger_move(request: HttpRequest, trigger_id: int, direction: str) -> HttpResponse:
    """Up or down one place: the whole order is handed to the service."""
    if request.method != "POST" or direction not in ("up", "down"):
        raise Http404("Not found.")
    ids = list(Trigger.objects.order_by("position", "pk").values_list("pk", flat=True))
    if trigger_id not in ids:
        raise Http404("Not found.")
    at = ids.index(trigger_id)
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(ids):
        ids[at], ids[other] = ids[other], ids[at]
        try:
            rule_calls.trigger_reorder(actor=acting_user(request), ids=ids, request=request)
        except ApplicationError as error:
            messages.error(request, error.message)
    return redirect("settings:triggers")
