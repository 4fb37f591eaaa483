"""Reads for the public status page, its feed, JSON and badge, and the portal's backup
routine: only published incidents and public components, each read in a fixed number of
queries whatever the number of components, incidents or updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from destek.accounts.models import User
from destek.hosting.models import Service
from destek.status.audience import LIVE_SERVICE, components_of_customer
from destek.status.models import (
    BackupRoutine,
    Component,
    ComponentGroup,
    Incident,
    IncidentKind,
    IncidentState,
    IncidentUpdate,
    worst,
)
from destek.status.uptime import Uptime, uptime_for

RECENT_DAYS = 14
FEED_ENTRIES = 50


def public_components() -> QuerySet[Component]:
    # Components without a group come last, on every database.
    return Component.objects.filter(is_public=True).select_related("group").order_by(
        F("group__position").asc(nulls_last=True), "group__name", "group_id", "position",
        "name")


def published_incidents() -> QuerySet[Incident]:
    """Published incidents and maintenance (a draft is never public), with their public
    components and their timeline, newest update last."""
    return Incident.objects.filter(published_at__isnull=False).prefetch_related(
        Prefetch("components", queryset=Component.objects.filter(is_public=True)
                 .order_by("position", "name")),
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("created_at", "id")),
    )


@dataclass(frozen=True)
class ComponentRow:
    component: Component
    uptime: Uptime


@dataclass
class GroupRow:
    group: ComponentGroup | None
    items: list[ComponentRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        return worst([row.component.status for row in self.items])


@dataclass
class StatusPage:
    """Everything the page shows, read at `at`."""

    at: datetime
    status: str
    groups: list[GroupRow]
    uptime: dict[int, Uptime]
    active: list[Incident]  # open incidents
    maintenance: list[Incident]  # in progress first, then upcoming by start
    recent: list[Incident]  # resolved in the last RECENT_DAYS days

    @property
    def components(self) -> list[Component]:
        return [item.component for row in self.groups for item in row.items]


def status_page(*, now: datetime | None = None) -> StatusPage:
    """The public page's data in five queries (components, spans, incidents with their
    components and updates)."""
    now = now or timezone.now()
    components = list(public_components())
    uptime = uptime_for(components, now=now)
    groups: list[GroupRow] = []
    for component in components:
        if not groups or groups[-1].group != component.group:
            groups.append(GroupRow(group=component.group))
        groups[-1].items.append(ComponentRow(component=component, uptime=uptime[component.pk]))
    incidents = list(published_incidents().filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - timedelta(days=RECENT_DAYS)))
        .order_by("-created_at", "-id"))
    active = [i for i in incidents if i.is_open and i.kind == IncidentKind.INCIDENT]
    far = now + timedelta(days=3650)
    maintenance = sorted(
        (i for i in incidents if i.is_open and i.kind == IncidentKind.MAINTENANCE),
        key=lambda i: (i.state != IncidentState.IN_PROGRESS, i.scheduled_start or far))
    recent = sorted((i for i in incidents if not i.is_open),
                    key=lambda i: i.resolved_at or now, reverse=True)
    return StatusPage(at=now, status=worst([c.status for c in components]), groups=groups,
                      uptime=uptime, active=active,
                      maintenance=maintenance, recent=recent)


def incident_public_get(*, incident_id: int) -> Incident:
    """A published incident, or Incident.DoesNotExist (a draft does not exist publicly)."""
    return published_incidents().get(pk=incident_id)


def feed_updates(*, component: Component | None = None,
                 limit: int = FEED_ENTRIES) -> list[IncidentUpdate]:
    """The latest updates of published incidents and maintenance, newest first."""
    updates = IncidentUpdate.objects.filter(incident__published_at__isnull=False) \
        .select_related("incident").order_by("-created_at", "-id")
    if component is not None:
        updates = updates.filter(incident__components=component)
    return list(updates[:limit])


@dataclass(frozen=True)
class BackupRow:
    routine: BackupRoutine
    overdue: bool  # the last success is older than twice the interval, or never


def backups_of_customer(customer: User, *, now: datetime | None = None) -> list[BackupRow]:
    """The backup routines of the components `customer` depends on and of their services'
    plans."""
    now = now or timezone.now()
    owned = Q(customer_id=customer.pk)
    if customer.organization_id:
        owned |= Q(organization_id=customer.organization_id)
    plans = {p for p in Service.objects.filter(owned, status__in=LIVE_SERVICE)
             .values_list("plan", flat=True) if p}
    components = components_of_customer(customer)
    if not plans and not components:
        return []
    routines = BackupRoutine.objects.filter(Q(component_id__in=components) | Q(plan__in=plans)) \
        .select_related("component").order_by("component__name", "plan", "what")
    return [BackupRow(routine=r, overdue=r.last_success_at is None
                      or now - r.last_success_at > timedelta(hours=2 * r.every_hours))
            for r in routines]
