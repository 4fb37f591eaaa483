"""Writes: components' statuses, incidents and maintenance, their timeline.

Every change runs in one transaction; what leaves the house (emails, webhooks) is scheduled
by `destek.status.fanout` after it commits. A component's status follows the published, open
incidents on it (the worst of them; a maintenance only while in progress); an agent may set it
by hand between incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from destek.accounts.models import User
from destek.status import fanout, links
from destek.status.models import (
    CLOSED_STATES,
    Component,
    ComponentStatus,
    ComponentStatusSpan,
    Impact,
    Incident,
    IncidentKind,
    IncidentSource,
    IncidentState,
    IncidentUpdate,
    worst,
)


def component_set_status(*, component: Component, status: str,
                         at: datetime | None = None) -> Component:
    """Set a component's status, closing its current span of the uptime history."""
    if component.status == status:
        return component
    at = at or timezone.now()
    ComponentStatusSpan.objects.filter(component=component, ended_at=None).update(ended_at=at)
    ComponentStatusSpan.objects.create(component=component, status=status, started_at=at)
    component.status = status
    component.status_changed_at = at
    component.save(update_fields=["status", "status_changed_at"])
    return component


def _effect(incident: Incident) -> str | None:
    """What an incident does to its components now; None when it does nothing."""
    if not incident.is_published or not incident.is_open:
        return None
    if incident.kind == IncidentKind.MAINTENANCE:
        return ComponentStatus.MAINTENANCE if incident.state == IncidentState.IN_PROGRESS \
            else None
    return incident.component_status


def components_refresh(component_ids: Iterable[int], *, at: datetime | None = None) -> None:
    """Give each component the worst status of the open, published incidents on it
    (operational when there is none)."""
    ids = set(component_ids)
    links.forget_active()  # the banners and automatic links follow (destek.status.links)
    if not ids:
        return
    effects: dict[int, list[str]] = {pk: [] for pk in ids}
    open_incidents = Incident.objects.filter(
        resolved_at=None, published_at__isnull=False, components__in=ids,
    ).distinct().prefetch_related("components")
    for incident in open_incidents:
        effect = _effect(incident)
        if effect is None:
            continue
        for component in incident.components.all():
            if component.pk in effects:
                effects[component.pk].append(effect)
    for component in Component.objects.filter(pk__in=ids):
        component_set_status(component=component, status=worst(effects[component.pk]), at=at)


@dataclass(frozen=True)
class IncidentDraft:
    """What an agent (or a monitoring alert) declares."""

    title: str
    body: str
    components: list[Component]
    kind: str = IncidentKind.INCIDENT
    title_tr: str = ""
    body_tr: str = ""
    impact: str = Impact.MINOR
    component_status: str = ComponentStatus.PARTIAL_OUTAGE
    state: str = ""  # the first update's state; the kind's first state when empty
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    auto_transition: bool = True
    postmortem_url: str = ""
    source: str = IncidentSource.AGENT
    alert_key: str = ""


@transaction.atomic
def incident_create(*, actor: User | None, draft: IncidentDraft,
                    publish: bool = True) -> Incident:
    """Declare an incident or schedule a maintenance, with its first update. Published, it
    changes its components' statuses and notifies everyone it concerns; a draft waits for
    `incident_publish`."""
    first_state = draft.state or (IncidentState.SCHEDULED
                                  if draft.kind == IncidentKind.MAINTENANCE
                                  else IncidentState.INVESTIGATING)
    now = timezone.now()
    incident = Incident.objects.create(
        kind=draft.kind, title=draft.title, title_tr=draft.title_tr, impact=draft.impact,
        state=first_state, component_status=draft.component_status,
        scheduled_start=draft.scheduled_start, scheduled_end=draft.scheduled_end,
        auto_transition=draft.auto_transition, postmortem_url=draft.postmortem_url,
        source=draft.source, alert_key=draft.alert_key, created_by=actor,
        created_at=now, updated_at=now)
    incident.components.set(draft.components)
    IncidentUpdate.objects.create(incident=incident, state=first_state, body=draft.body,
                                  body_tr=draft.body_tr, author=actor, created_at=now)
    if publish:
        incident_publish(actor=actor, incident=incident)
    return incident


@transaction.atomic
def incident_publish(*, actor: User | None, incident: Incident) -> Incident:
    """Show a draft on the status page and send its updates so far (each once)."""
    if incident.is_published:
        return incident
    incident.published_at = timezone.now()
    incident.updated_at = incident.published_at
    incident.save(update_fields=["published_at", "updated_at"])
    components_refresh(incident.components.values_list("pk", flat=True))
    for update in incident.updates.filter(notify=True):
        fanout.schedule(update)
    return incident


@transaction.atomic
def incident_post_update(*, actor: User | None, incident: Incident, state: str, body: str,
                         body_tr: str = "", notify: bool = True,
                         at: datetime | None = None) -> IncidentUpdate:
    """Add an entry to the timeline, moving the incident to `state`. A closing state
    resolves it and gives its components back their status; a published incident's update
    is sent to everyone it concerns."""
    at = at or timezone.now()
    update = IncidentUpdate.objects.create(incident=incident, state=state, body=body,
                                           body_tr=body_tr, author=actor, notify=notify,
                                           created_at=at)
    incident.state = state
    incident.updated_at = at
    fields = ["state", "updated_at"]
    if state in CLOSED_STATES and incident.resolved_at is None:
        incident.resolved_at = at
        fields.append("resolved_at")
    elif state not in CLOSED_STATES and incident.resolved_at is not None:
        incident.resolved_at = None  # reopened
        fields.append("resolved_at")
    incident.save(update_fields=fields)
    components_refresh(incident.components.values_list("pk", flat=True), at=at)
    if incident.is_published and notify:
        fanout.schedule(update)
    return update


@transaction.atomic
def incident_set_components(*, incident: Incident, components: list[Component]) -> Incident:
    """Change which components an incident affects; both the old and new ones follow."""
    before = set(incident.components.values_list("pk", flat=True))
    incident.components.set(components)
    components_refresh(before | {c.pk for c in components})
    return incident


@transaction.atomic
def incident_set_postmortem(*, incident: Incident, url: str) -> Incident:
    """Link (or unlink, with "") the incident's post-mortem."""
    incident.postmortem_url = url
    incident.updated_at = timezone.now()
    incident.save(update_fields=["postmortem_url", "updated_at"])
    return incident
