"""The configuration as plain values, cached per process and reloaded when its version moves.

Every ticket change needs its policy and calendar; reading three tables each time would cost
more than the change itself. SlaSettings.version (bumped by every configuration service)
is the one query per use; the compiled set is rebuilt only when it differs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

from django.db.models import Subquery

from destek.hosting.models import Tier
from destek.sla.calendar import AlwaysOpen, BusinessClock, Clock
from destek.sla.models import BusinessCalendar, SlaPolicy, SlaSettings
from destek.tickets.models import DONE_STATUSES


@dataclass(frozen=True)
class Hosting:
    """What a policy may ask of a ticket's hosting context: its service's kind, plan and
    server (empty without a service), its customer's tier, and the resellers it counts
    under (its organization when that is a reseller, and that organization's reseller)."""

    kind: str = ""
    plan: str = ""
    server: str = ""
    tier: str = Tier.STANDARD
    reseller_ids: frozenset[int] = frozenset()


NO_HOSTING = Hosting()
# Looked up only when a policy with hosting conditions is reached (see Config.policy_for).
HostingLookup = Callable[[], Hosting]


@dataclass(frozen=True)
class Policy:
    id: int
    name: str
    priorities: frozenset[int]
    channels: frozenset[str]
    plans: frozenset[str]
    department_ids: frozenset[int]
    organization_ids: frozenset[int]
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    calendar_id: int | None
    pause_statuses: frozenset[str]
    warn_percent: int | None
    warn_assignee: bool
    breach_notify_assignee: bool
    supervisor_after_minutes: int | None
    reassign_after_minutes: int | None
    reassign_to: str
    progress_every_minutes: int | None
    progress_customer_update: bool
    service_kinds: frozenset[str] = frozenset()
    servers: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    reseller_ids: frozenset[int] = frozenset()
    progress_grace_minutes: int | None = None  # None: a quarter of the period (engine)

    def matches_ticket(self, *, priority: int, channel: str, department_id: int,
                       organization_id: int | None) -> bool:
        """The conditions on the ticket's own row (and its customer's organization)."""
        return ((not self.priorities or priority in self.priorities)
                and (not self.channels or channel in self.channels)
                and (not self.department_ids or department_id in self.department_ids)
                and (not self.organization_ids or organization_id in self.organization_ids))

    @property
    def asks_hosting(self) -> bool:
        return bool(self.plans or self.service_kinds or self.servers or self.tiers
                    or self.reseller_ids)

    def matches_hosting(self, hosting: Hosting) -> bool:
        """ANDed across fields, ORed within one; an empty field matches anything."""
        return ((not self.service_kinds or hosting.kind in self.service_kinds)
                and (not self.plans or hosting.plan in self.plans)
                and (not self.servers or hosting.server in self.servers)
                and (not self.tiers or hosting.tier in self.tiers)
                and (not self.reseller_ids or bool(self.reseller_ids & hosting.reseller_ids)))

    @property
    def stopping_statuses(self) -> frozenset[str]:
        """Statuses during which the clock does not run: the paused ones and done."""
        return self.pause_statuses | frozenset(DONE_STATUSES)


@dataclass
class Config:
    version: int
    policies: list[Policy]
    clocks: dict[int, Clock] = field(default_factory=dict)
    office_clock: Clock | None = None

    def policy_for(self, *, priority: int, channel: str, department_id: int,
                   organization_id: int | None,
                   hosting: HostingLookup | None = None) -> Policy | None:
        """The first policy that matches. `hosting` is called (at most once) only when a
        policy with hosting conditions matches the ticket's own fields: a normal ticket
        under the shipped policies never looks its hosting context up."""
        known: Hosting | None = None
        for policy in self.policies:
            if not policy.matches_ticket(priority=priority, channel=channel,
                                         department_id=department_id,
                                         organization_id=organization_id):
                continue
            if policy.asks_hosting:
                if known is None:
                    known = hosting() if hosting is not None else NO_HOSTING
                if not policy.matches_hosting(known):
                    continue
            return policy
        return None

    def asks_hosting(self, *, priority: int, channel: str, department_id: int,
                     organization_id: int | None) -> bool:
        """Whether policy_for would look the ticket's hosting context up (the batch
        recomputation reads it, in one query, for those tickets only)."""
        for policy in self.policies:
            if policy.matches_ticket(priority=priority, channel=channel,
                                     department_id=department_id,
                                     organization_id=organization_id):
                return policy.asks_hosting
        return False

    @property
    def has_tier_conditions(self) -> bool:
        return any(p.tiers for p in self.policies)

    def policy_by_id(self, policy_id: int | None) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)

    def clock(self, calendar_id: int | None) -> Clock:
        return self.clocks.get(calendar_id or 0) or ALWAYS_OPEN


ALWAYS_OPEN = AlwaysOpen()
_lock = threading.Lock()
_cached: Config | None = None


def version_subquery() -> Subquery:
    """The version as a subquery, so a caller can read it along with its own row."""
    return Subquery(SlaSettings.objects.order_by("pk").values("version")[:1])


def current_version() -> int:
    """Asked on every ticket change that can move a deadline."""
    found = SlaSettings.objects.order_by("pk").values_list("version", flat=True).first()
    return int(found) if found is not None else 0


def load_config(*, version: int | None = None) -> Config:
    """The compiled configuration; one query (none when the caller read the version) when
    nothing changed since the last call."""
    global _cached
    version = current_version() if version is None else version
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        config = _compile(version)
        _cached = config
    return config


def forget_config() -> None:
    global _cached
    _cached = None


def _compile(version: int) -> Config:
    policies = []
    for row in SlaPolicy.objects.filter(is_active=True).prefetch_related(
            "departments", "organizations", "resellers").order_by("position", "id"):
        policies.append(Policy(
            id=row.pk, name=row.name,
            priorities=frozenset(int(p) for p in row.priorities or []),
            channels=frozenset(str(c) for c in row.channels or []),
            plans=frozenset(str(p) for p in row.plans or []),
            service_kinds=frozenset(str(k) for k in row.service_kinds or []),
            servers=frozenset(str(s) for s in row.servers or []),
            tiers=frozenset(str(t) for t in row.tiers or []),
            reseller_ids=frozenset(o.pk for o in row.resellers.all()),
            department_ids=frozenset(d.pk for d in row.departments.all()),
            organization_ids=frozenset(o.pk for o in row.organizations.all()),
            first_response_minutes=row.first_response_minutes,
            next_response_minutes=row.next_response_minutes,
            resolution_minutes=row.resolution_minutes, calendar_id=row.calendar_id,
            pause_statuses=frozenset(row.pause_statuses or []),
            warn_percent=row.warn_percent, warn_assignee=row.warn_assignee,
            breach_notify_assignee=row.breach_notify_assignee,
            supervisor_after_minutes=row.supervisor_after_minutes,
            reassign_after_minutes=row.reassign_after_minutes, reassign_to=row.reassign_to,
            progress_every_minutes=row.progress_every_minutes,
            progress_customer_update=row.progress_customer_update,
            progress_grace_minutes=row.progress_grace_minutes,
        ))
    clocks: dict[int, Clock] = {}
    office: Clock | None = None
    for calendar in BusinessCalendar.objects.prefetch_related("hours", "holidays"):
        clock = clock_for_calendar(calendar)
        clocks[calendar.pk] = clock
        if calendar.is_office_hours and office is None:
            office = clock
    return Config(version=version, policies=policies, clocks=clocks, office_clock=office)


def clock_for_calendar(calendar: object) -> Clock:
    """A BusinessCalendar (with prefetched hours and holidays) as a Clock."""
    if getattr(calendar, "is_24x7", False):
        return ALWAYS_OPEN
    hours: dict[int, list[tuple[time, time]]] = {}
    for span in calendar.hours.all():  # type: ignore[attr-defined]
        hours.setdefault(span.weekday, []).append((span.start, span.end))
    if not hours:  # nothing configured yet: rather a running clock than no deadline at all
        return ALWAYS_OPEN
    holidays: list[date] = [h.date for h in calendar.holidays.all()]  # type: ignore[attr-defined]
    return BusinessClock(zone=ZoneInfo(calendar.timezone),  # type: ignore[attr-defined]
                         hours=hours, holidays=holidays)
