"""The routing rules as plain values, cached per process and reloaded when their version
moves (as the SLA policies are): a new ticket reads the version along with its department
(destek.tickets.services.routing), never the rules themselves unless they changed."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import F, Subquery

from destek.hosting.models import Tier
from destek.tickets.models import RoutingRule, RoutingSettings


@dataclass(frozen=True)
class Context:
    """What a rule may ask of a new ticket: its channel and the department it came with,
    its service's kind, plan and server (empty without one), its customer's tier and the
    resellers it counts under (its organization when a reseller, and that one's reseller)."""

    channel: str
    department_id: int | None = None
    kind: str = ""
    plan: str = ""
    server: str = ""
    tier: str = Tier.STANDARD
    reseller_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    from_department_ids: frozenset[int]
    channels: frozenset[str]
    service_kinds: frozenset[str]
    plans: frozenset[str]
    servers: frozenset[str]
    tiers: frozenset[str]
    reseller_ids: frozenset[int]
    department_id: int
    raise_priority_to: int | None

    def matches(self, context: Context) -> bool:
        """ANDed across fields, ORed within one; an empty field matches anything, except
        the departments a ticket came with: a chosen department is kept unless named."""
        if context.department_id is not None \
                and context.department_id not in self.from_department_ids:
            return False
        return ((not self.channels or context.channel in self.channels)
                and (not self.service_kinds or context.kind in self.service_kinds)
                and (not self.plans or context.plan in self.plans)
                and (not self.servers or context.server in self.servers)
                and (not self.tiers or context.tier in self.tiers)
                and (not self.reseller_ids or bool(self.reseller_ids & context.reseller_ids)))


@dataclass(frozen=True)
class Rules:
    version: int
    rules: tuple[Rule, ...]

    def first_match(self, context: Context) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(context)), None)

    def applies_to(self, department_id: int | None) -> bool:
        """Whether any rule can route a ticket that came with this department (or none)."""
        return any(department_id is None or department_id in rule.from_department_ids
                   for rule in self.rules)

    @property
    def asks_tier(self) -> bool:
        return any(rule.tiers for rule in self.rules)

    @property
    def asks_resellers(self) -> bool:
        return any(rule.reseller_ids for rule in self.rules)


_lock = threading.Lock()
_cached: Rules | None = None


def version_subquery() -> Subquery:
    """The version as a subquery, so the funnel reads it with the ticket's department."""
    return Subquery(RoutingSettings.objects.order_by("pk").values("version")[:1])


def cached_rules() -> Rules | None:
    """What this process compiled last (it may be stale: compare its version)."""
    return _cached


def load_rules(*, version: int | None) -> Rules:
    """The compiled rules for this version (queries only when it moved)."""
    global _cached
    version = version or 0
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        rules = Rules(version=version, rules=tuple(
            Rule(id=row.pk, name=row.name,
                 from_department_ids=frozenset(d.pk for d in row.from_departments.all()),
                 channels=frozenset(str(c) for c in row.channels or []),
                 service_kinds=frozenset(str(k) for k in row.service_kinds or []),
                 plans=frozenset(str(p) for p in row.plans or []),
                 servers=frozenset(str(s) for s in row.servers or []),
                 tiers=frozenset(str(t) for t in row.tiers or []),
                 reseller_ids=frozenset(o.pk for o in row.resellers.all()),
                 department_id=row.department_id, raise_priority_to=row.raise_priority_to)
            for row in RoutingRule.objects.filter(is_active=True)
            .prefetch_related("from_departments", "resellers").order_by("position", "id")))
        _cached = rules
    return rules


def forget_rules() -> None:
    global _cached
    _cached = None


def routing_rules_changed() -> None:
    """After any change to the rules (the admin calls it): every process reloads them."""
    if not RoutingSettings.objects.filter(pk=1).update(version=F("version") + 1):
        RoutingSettings.objects.get_or_create(pk=1, defaults={"version": 2})
    forget_rules()
