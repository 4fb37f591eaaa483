"""Incidents and scheduled maintenance for agents: the list, declaring, scheduling, the
incident's page with its timeline, and the "this will notify N customers" preview."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.web import acting_user, staff_required
from destek.status import audience, services
from destek.status.desk_views.access import declarer_required, may_declare
from destek.status.forms import (
    ComponentsForm,
    IncidentForm,
    MaintenanceForm,
    PostmortemForm,
    UpdateForm,
)
from destek.status.models import Component, Incident, IncidentKind, IncidentState

# Closed incidents shown per page of the list (older ones: the "Older" link, by keyset).
CLOSED_PAGE = 30


@dataclass(frozen=True)
class ComponentChoice:
    component: Component
    checked: bool


@dataclass(frozen=True)
class ComponentGroupChoices:
    name: str
    choices: list[ComponentChoice]


def component_choices(selected: set[int]) -> list[ComponentGroupChoices]:
    """Every component, grouped by its group (ungrouped ones last), ticked if selected."""
    groups: dict[int | None, ComponentGroupChoices] = {}
    components = Component.objects.select_related("group").order_by(
        F("group__position").asc(nulls_last=True), "group__name", "group_id",
        "position", "name")
    for component in components:
        key = component.group_id
        if key not in groups:
            name = component.group.name if component.group else _("Other components")
            groups[key] = ComponentGroupChoices(name=name, choices=[])
        groups[key].choices.append(ComponentChoice(component, component.pk in selected))
    return list(groups.values())


def _selected_ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


def _affected_count(ids: set[int]) -> int:
    return audience.affected_customers(ids).count() if ids else 0


def _closed_page(before: str, before_id: str) -> QuerySet[Incident]:
    closed = Incident.objects.filter(resolved_at__isnull=False)
    at = parse_datetime(before) if before else None
    if at is not None and before_id.isdigit():
        closed = closed.filter(Q(resolved_at__lt=at) | Q(resolved_at=at, pk__lt=int(before_id)))
    return closed.order_by("-resolved_at", "-pk").prefetch_related("components")


@require_GET
@staff_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Open incidents, then upcoming and running maintenance, then the recently closed
    (a page at a time). Drafts are marked; a constant number of queries."""
    open_items = list(Incident.objects.filter(resolved_at__isnull=True)
                      .prefetch_related("components").order_by("-created_at", "-pk"))
    incidents = [i for i in open_items if i.kind == IncidentKind.INCIDENT]
    maintenance = sorted((i for i in open_items if i.kind == IncidentKind.MAINTENANCE),
                         key=lambda i: (i.scheduled_start is None, i.scheduled_start or 0, i.pk))
    before, before_id = request.GET.get("before", ""), request.GET.get("before_id", "")
    closed = list(_closed_page(before, before_id)[:CLOSED_PAGE + 1])
    has_older = len(closed) > CLOSED_PAGE
    closed = closed[:CLOSED_PAGE]
    return render(request, "status/desk/incident_list.html", {
        "incidents": incidents, "maintenance": maintenance, "closed": closed,
        "older": closed[-1] if has_older else None, "paged": bool(before),
        "may_declare": may_declare(acting_user(request)),
    })


def _declare(request: HttpRequest, *, kind: str) -> HttpResponse:
    maintenance = kind == IncidentKind.MAINTENANCE
    form_class = MaintenanceForm if maintenance else IncidentForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = services.IncidentDraft(
            kind=kind, title=data["title"], title_tr=data["title_tr"], impact=data["impact"],
            components=list(data["components"]), body=data["body"], body_tr=data["body_tr"],
            component_status=data.get("component_status") or "partial_outage",
            state=data.get("state") or "",
            scheduled_start=data.get("scheduled_start"), scheduled_end=data.get("scheduled_end"),
            auto_transition=bool(data.get("auto_transition", True)))
        publish = "draft" not in request.POST
        incident = services.incident_create(actor=acting_user(request), draft=draft,
                                            publish=publish)
        if publish:
            messages.success(request, _("Published: the affected customers are being told."))
        else:
            messages.info(request, _("Saved as a draft: nothing is shown or sent until you "
                                     "publish it."))
        return redirect("status_desk:incident", incident.pk)
    # A link may tick components in advance (a component's page: "Declare an incident").
    selected = _selected_ids(request.POST.getlist("components") if request.method == "POST"
                             else request.GET.getlist("components"))
    return render(request, "status/desk/incident_new.html", {
        "form": form, "maintenance": maintenance, "groups": component_choices(selected),
        "affected_count": _affected_count(selected),
    })


@declarer_required
def incident_new(request: HttpRequest) -> HttpResponse:
    return _declare(request, kind=IncidentKind.INCIDENT)


@declarer_required
def maintenance_new(request: HttpRequest) -> HttpResponse:
    return _declare(request, kind=IncidentKind.MAINTENANCE)


@require_GET
@declarer_required
def affected_count(request: HttpRequest) -> HttpResponse:
    """The preview beside the component checkboxes (htmx): how many customers hear of it."""
    count = _affected_count(_selected_ids(request.GET.getlist("components")))
    return render(request, "status/desk/_affected_count.html", {"affected_count": count})


def _incident_page(request: HttpRequest, incident: Incident, *,
                   update_form: UpdateForm | None = None,
                   components_form: ComponentsForm | None = None,
                   postmortem_form: PostmortemForm | None = None) -> HttpResponse:
    selected = {c.pk for c in incident.components.all()}
    if components_form is not None and components_form.is_bound:
        selected = _selected_ids(request.POST.getlist("components"))
    next_state = incident.state
    if incident.kind == IncidentKind.INCIDENT and incident.state == IncidentState.INVESTIGATING:
        next_state = IncidentState.IDENTIFIED
    return render(request, "status/desk/incident_detail.html", {
        "incident": incident,
        "updates": incident.updates.select_related("author").order_by("-created_at", "-pk"),
        "update_form": update_form or UpdateForm(kind=incident.kind,
                                                 initial={"state": next_state}),
        "components_form": components_form or ComponentsForm(),
        "postmortem_form": postmortem_form or PostmortemForm(
            initial={"postmortem_url": incident.postmortem_url}),
        "groups": component_choices(selected),
        "affected_count": _affected_count(selected),
        "may_declare": may_declare(acting_user(request)),
    })


@require_GET
@staff_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.prefetch_related("components"), pk=pk)
    return _incident_page(request, incident)


@require_POST
@declarer_required
def incident_update(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = UpdateForm(request.POST, kind=incident.kind)
    if not form.is_valid():
        return _incident_page(request, incident, update_form=form)
    data = form.cleaned_data
    services.incident_post_update(actor=acting_user(request), incident=incident,
                                  state=data["state"], body=data["body"],
                                  body_tr=data["body_tr"], notify=data["notify"])
    if incident.is_published and data["notify"]:
        messages.success(request, _("Update posted: the affected customers are being told."))
    else:
        messages.success(request, _("Update posted."))
    return redirect("status_desk:incident", incident.pk)


@require_POST
@declarer_required
def incident_publish(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    incident = get_object_or_404(Incident, pk=pk)
    if not incident.is_published:
        services.incident_publish(actor=acting_user(request), incident=incident)
        messages.success(request, _("Published: the affected customers are being told."))
    return redirect("status_desk:incident", incident.pk)


@require_POST
@declarer_required
def incident_components(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = ComponentsForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, incident, components_form=form)
    services.incident_set_components(incident=incident,
                                     components=list(form.cleaned_data["components"]))
    messages.success(request, _("Affected components saved."))
    return redirect("status_desk:incident", incident.pk)


@require_POST
@declarer_required
def incident_postmortem(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    form = PostmortemForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, incident, postmortem_form=form)
    services.incident_set_postmortem(incident=incident, url=form.cleaned_data["postmortem_url"])
    messages.success(request, _("Post-mortem link saved."))
    return redirect("status_desk:incident", incident.pk)
