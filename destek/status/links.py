"""Incidents and tickets: which open incidents concern a customer (the portal's and the chat
widget's banner, the automatic link of their new tickets), and linking a ticket to an
incident.

The hot path is a customer opening a ticket (or the new-ticket form) while nothing is
wrong: the open incidents, their components and those components' servers and plans are
one cached value, so that costs one cache read and no query. While incidents are open, a
customer costs at most two queries (their services on the affected servers/plans, and
whether they or their organization are named on an affected component), whether they are
affected or not. The value is dropped whenever an incident moves its components' statuses
(`services.components_refresh`: publish, update, resolve, components changed) and expires
after CACHE_SECONDS anyway (a component's servers or members edited in between).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext

from destek.accounts.models import User
from destek.hosting.models import Service
from destek.status.audience import LIVE_SERVICE
from destek.status.models import (
    Component,
    ComponentMember,
    Incident,
    IncidentKind,
    IncidentState,
    IncidentTicket,
    IncidentUpdate,
)
from destek.tickets import events
from destek.tickets.domain_events import TicketOpened
from destek.tickets.models import EventKind, Ticket

CACHE_KEY = "status:active-incidents:v1"
CACHE_SECONDS = 60


def active_filter() -> Q:
    """Open, published incidents customers are living through: an incident, or a
    maintenance while it is in progress (a scheduled one has its own notices)."""
    return (Q(resolved_at=None, published_at__isnull=False)
            & (Q(kind=IncidentKind.INCIDENT)
               | Q(kind=IncidentKind.MAINTENANCE, state=IncidentState.IN_PROGRESS)))


@dataclass(frozen=True)
class ActiveSnapshot:
    """What the cache holds: each active incident's component ids, and which of those
    components each server and plan belongs to."""

    incidents: dict[int, frozenset[int]]
    servers: dict[str, frozenset[int]]
    plans: dict[str, frozenset[int]]

    @property
    def component_ids(self) -> set[int]:
        found: set[int] = set()
        for ids in self.incidents.values():
            found |= ids
        return found


NONE_ACTIVE = ActiveSnapshot(incidents={}, servers={}, plans={})


def _read_snapshot() -> ActiveSnapshot:
    incidents: dict[int, set[int]] = {}
    for pk, component_id in Incident.objects.filter(active_filter()).order_by() \
            .values_list("pk", "components"):
        incidents.setdefault(pk, set())
        if component_id is not None:
            incidents[pk].add(component_id)
    if not incidents:
        return NONE_ACTIVE
    servers: dict[str, set[int]] = {}
    plans: dict[str, set[int]] = {}
    all_ids = set().union(*incidents.values())
    for pk, comp_servers, comp_plans in Component.objects.filter(pk__in=all_ids) \
            .values_list("pk", "servers", "plans"):
        for server in comp_servers or []:
            if server:
                servers.setdefault(server, set()).add(pk)
        for plan in comp_plans or []:
            if plan:
                plans.setdefault(plan, set()).add(pk)
    return ActiveSnapshot(
        incidents={pk: frozenset(ids) for pk, ids in incidents.items()},
        servers={k: frozenset(v) for k, v in servers.items()},
        plans={k: frozenset(v) for k, v in plans.items()})


def active_snapshot() -> ActiveSnapshot:
    """The active incidents, from the cache (one read); a miss reads two queries."""
    found = cache.get(CACHE_KEY)
    if isinstance(found, ActiveSnapshot):
        return found
    snapshot = _read_snapshot()
    cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)
    return snapshot


def remember(snapshot: ActiveSnapshot) -> None:
    """Cache `snapshot` as it is (tests start from the steady state: nothing open)."""
    cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)


def forget_active() -> None:
    """Drop the cached snapshot now and again when the transaction commits (a reader in
    between would cache what it read before the change)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def affected_incident_ids(customer: User | None) -> list[int]:
    """The active incidents on a component `customer` depends on (as
    `audience.components_of_customer` says, restricted to the active incidents'
    components), newest first. No query when nothing is open; at most two otherwise."""
    if customer is None or not customer.is_authenticated or not customer.is_customer:
        return []
    snapshot = active_snapshot()
    if not snapshot.incidents:
        return []
    owned = Q(customer_id=customer.pk)
    if customer.organization_id:
        owned |= Q(organization_id=customer.organization_id)
    hit: set[int] = set()
    if snapshot.servers or snapshot.plans:
        rows = Service.objects.filter(
            owned, Q(server__in=list(snapshot.servers)) | Q(plan__in=list(snapshot.plans)),
            status__in=LIVE_SERVICE).order_by().values_list("server", "plan").distinct()
        for server, plan in rows:
            hit |= snapshot.servers.get(server, frozenset())
            hit |= snapshot.plans.get(plan, frozenset())
    hit.update(ComponentMember.objects.filter(
        owned, component_id__in=snapshot.component_ids).order_by()
        .values_list("component_id", flat=True))
    return sorted((pk for pk, ids in snapshot.incidents.items() if ids & hit), reverse=True)


def with_latest_update(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents annotated with their latest update's text (`latest_body`,
    `latest_body_tr`): one query for a list of them."""
    latest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-created_at",
                                                                             "-id")
    return qs.annotate(latest_body=Subquery(latest.values("body")[:1]),
                       latest_body_tr=Subquery(latest.values("body_tr")[:1]))


def active_incidents_for(customer: User | None) -> list[Incident]:
    """The open, published incidents (or maintenance in progress) that concern `customer`,
    newest first, with their latest update (see `with_latest_update`)."""
    ids = affected_incident_ids(customer)
    if not ids:
        return []
    return list(with_latest_update(Incident.objects.filter(pk__in=ids))
                .order_by("-created_at", "-id"))


@dataclass(frozen=True)
class Banner:
    """"We know about this": one active incident as a customer sees it."""

    incident_id: int
    title: str
    state: str
    latest: str
    url: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.incident_id, "title": self.title, "state": self.state,
                "latest": self.latest, "url": self.url}


def incident_public_url(incident_id: int) -> str:
    """The public incident page (destek.status.urls, "status:incident")."""
    return reverse("status:incident", args=[incident_id])


def banners_for(customer: User | None, *, language: str | None) -> list[Banner]:
    """The banners the portal's new-ticket form and the chat widget show `customer`, in
    `language` (Turkish titles and updates when written, else English)."""
    states = dict(IncidentState.choices)
    banners = []
    for incident in active_incidents_for(customer):
        body_tr = getattr(incident, "latest_body_tr", "") or ""
        body = getattr(incident, "latest_body", "") or ""
        banners.append(Banner(
            incident_id=incident.pk, title=incident.localized_title(language),
            state=str(states.get(incident.state, incident.state)),
            latest=body_tr if language == "tr" and body_tr else body,
            url=incident_public_url(incident.pk)))
    return banners


def incident_banner_strings() -> dict[str, str]:
    """The chat widget's words for the banner (its config merges them into its strings)."""
    return {"incident_known": gettext("We know about this."),
            "incident_follow": gettext("Follow it here")}


def _history_reference(incident: Incident) -> str:
    return gettext("incident #%(id)s") % {"id": incident.pk}


def incident_link_ticket(*, incident: Incident, ticket: Ticket, actor: User | None,
                         automatic: bool) -> tuple[IncidentTicket, bool]:
    """Link `ticket` to `incident` (once: a second call returns the existing link, created
    False). The ticket's history says so."""
    existing = IncidentTicket.objects.filter(incident=incident, ticket=ticket).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            link = IncidentTicket.objects.create(
                incident=incident, ticket=ticket, automatic=automatic,
                linked_by=actor if actor is not None and actor.is_authenticated else None)
    except IntegrityError:  # linked by someone else in between
        return IncidentTicket.objects.get(incident=incident, ticket=ticket), False
    events.record(ticket=ticket, actor=actor, kind=EventKind.LINKED,
                  before=incident.title, after=_history_reference(incident))
    return link, True


def incident_unlink_ticket(*, incident: Incident, ticket: Ticket, actor: User | None) -> bool:
    """Remove the link; False when there was none."""
    deleted, _by_model = IncidentTicket.objects.filter(incident=incident, ticket=ticket).delete()
    if deleted:
        events.record(ticket=ticket, actor=actor, kind=EventKind.UNLINKED,
                      after=_history_reference(incident))
    return bool(deleted)


def on_ticket_opened(event: TicketOpened) -> None:
    """A ticket an affected customer opens while an incident is open is linked to it (in
    the funnel's transaction: every door, the chat's ticket included). Nothing open: one
    cache read."""
    ids = affected_incident_ids(event.ticket.customer)
    for incident in Incident.objects.filter(pk__in=ids) if ids else ():
        incident_link_ticket(incident=incident, ticket=event.ticket, actor=None,
                             automatic=True)


def linked_incidents(ticket: Ticket, *, limit: int = 30) -> list[Incident]:
    """The ticket page's one query: the incidents the ticket is linked to (`is_linked`) and
    the open, published ones an agent may link it to, linked first."""
    linked = IncidentTicket.objects.filter(ticket=ticket)
    return list(Incident.objects.filter(
        Q(pk__in=linked.values("incident_id")) | Q(resolved_at=None, published_at__isnull=False))
        .annotate(is_linked=Exists(linked.filter(incident=OuterRef("pk"))))
        .order_by("-is_linked", "-created_at", "-id")[:limit])
