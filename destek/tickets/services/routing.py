"""Where a new ticket goes (its department: a dedicated team, the routing rules, the
customer's choice) and who gets it (automatic assignment per department: manual,
round-robin or least-loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import (
    AssignmentMode,
    Department,
    DepartmentMembership,
    Organization,
    User,
)
from destek.core import bus
from destek.core.errors import ApplicationError
from destek.hosting.models import Service, Tier
from destek.hosting.selectors import account_tier_subquery, tier_of
from destek.tickets import domain_events, events
from destek.tickets.models import EventKind, Ticket
from destek.tickets.routing_rules import Context, Rules, cached_rules, load_rules, version_subquery
from destek.tickets.sql import next_agent_in_line


@dataclass(frozen=True)
class Route:
    department: Department
    priority: int
    reason: str  # "chosen", "team", "rule", "default": what decided (tests, logs)


def route_new_ticket(*, customer: User, channel: str, department_id: object, priority: int,
                     by_agent: bool, service: Service | None = None) -> Route:
    """The department (and priority) of a new ticket, in this order:

    1. an agent's choice of department is kept as it is;
    2. the dedicated team of the customer's organization, else of its reseller
       (`Organization.support_department`), whatever department the customer chose;
    3. the first routing rule that matches (destek.tickets.routing_rules), for a ticket
       that came without a department or with one the rule names under "when sent to";
       it may raise the priority;
    4. the department the ticket came with (customers: a public one), else the first
       public one (any, for agents).

    One query (the department, with the rules' version and the customer's team and, when
    rules ask for them, tier and resellers) plus one for the department a team or rule
    sends the ticket to; the rules themselves are read only after they change.
    """
    chosen_id = _as_id(department_id)
    if department_id is not None and chosen_id is None:
        raise ApplicationError(_("Choose a valid department."), field="department")
    if by_agent and chosen_id is not None:
        return Route(_department(chosen_id, customer_facing=False), priority, "chosen")
    customer_facing = not by_agent
    known = cached_rules()
    found = _first_department(chosen_id, customer_facing=customer_facing,
                              annotations=_annotations(customer, known))
    if found is None and chosen_id is not None:
        raise ApplicationError(_("Choose a valid department."), field="department")
    if found is None:
        return _without_departments(customer=customer, customer_facing=customer_facing,
                                    priority=priority)
    team_id = getattr(found, "team_id", None)
    if team_id and team_id != found.pk:
        return Route(_department(team_id, customer_facing=False), priority, "team")
    if team_id:
        return Route(found, priority, "team")
    rules = load_rules(version=getattr(found, "routing_version", None))
    if rules.rules and rules.applies_to(chosen_id):
        context = _context(customer, channel, chosen_id, service, rules, found)
        rule = rules.first_match(context)
        if rule is not None:
            department = found if rule.department_id == found.pk else _department(
                rule.department_id, customer_facing=False)
            raised = max(priority, rule.raise_priority_to or priority)
            return Route(department, raised, "rule")
    return Route(found, priority, "chosen" if chosen_id is not None else "default")


def _as_id(value: object) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _department(pk: int, *, customer_facing: bool) -> Department:
    choices = Department.objects.filter(is_public=True) if customer_facing \
        else Department.objects.all()
    try:
        # get(), not first(): a lookup by pk needs no ORDER BY (the model's ordering).
        return choices.get(pk=pk)
    except Department.DoesNotExist:
        raise ApplicationError(_("Choose a valid department."), field="department") from None


def _annotations(customer: User, known: Rules | None) -> dict[str, Any]:
    """What the department query carries: the rules' version, the customer's dedicated
    team, and what the cached rules ask of the customer (tier, resellers)."""
    out: dict[str, Any] = {"routing_version": version_subquery()}
    if known is not None and known.asks_tier:
        out["customer_tier"] = account_tier_subquery(customer)
    if not customer.organization_id:
        return out
    organization = Organization.objects.filter(pk=customer.organization_id)
    out["team_id"] = Subquery(organization.values(team=Coalesce(
        "support_department_id", "reseller__support_department_id"))[:1])
    if known is not None and known.asks_resellers:
        out["reseller_id"] = Subquery(organization.values("reseller_id")[:1])
        out["is_reseller"] = Subquery(organization.values("is_reseller")[:1])
    return out


def _first_department(chosen_id: int | None, *, customer_facing: bool,
                      annotations: dict[str, Any]) -> Department | None:
    departments = Department.objects.all()
    if customer_facing:
        departments = departments.filter(is_public=True)
    departments = departments.annotate(**annotations)
    if chosen_id is not None:
        return next(iter(departments.filter(pk=chosen_id).order_by()[:1]), None)
    return departments.order_by("pk").first()


def _without_departments(*, customer: User, customer_facing: bool, priority: int) -> Route:
    """No department to fall back on: only a dedicated team can take the ticket."""
    team = Organization.objects.filter(pk=customer.organization_id).values_list(
        Coalesce("support_department_id", "reseller__support_department_id"), flat=True
    ).first() if customer.organization_id else None
    if team:
        return Route(_department(team, customer_facing=False), priority, "team")
    raise ApplicationError(_("No department is configured yet."), field="department")


def _context(customer: User, channel: str, chosen_id: int | None, service: Service | None,
             rules: Rules, found: Department) -> Context:
    """The ticket's routing context: the service from the caller, the customer's tier and
    resellers from the department query (or, when the rules just changed and ask for what
    it did not carry, one query more)."""
    tier = getattr(found, "customer_tier", None)
    if tier is None and rules.asks_tier:
        tier = tier_of(customer)
    resellers: set[int | None] = set()
    if customer.organization_id and rules.asks_resellers:
        if hasattr(found, "is_reseller"):
            # Annotations of the department query (_annotations).
            reseller_id = found.reseller_id  # type: ignore[attr-defined]
            is_reseller = found.is_reseller
        else:
            reseller_id, is_reseller = Organization.objects.filter(
                pk=customer.organization_id).values_list("reseller_id", "is_reseller").get()
        resellers = {reseller_id, customer.organization_id if is_reseller else None}
    return Context(channel=str(channel), department_id=chosen_id,
                   kind=service.kind if service else "", plan=service.plan if service else "",
                   server=service.server if service else "", tier=tier or Tier.STANDARD,
                   reseller_ids=frozenset(r for r in resellers if r))


def pick_assignee(*, department: Department) -> User | None:
    """The agent who gets the department's next new ticket, their turn taken
    (`last_assigned_at`); None for manual departments or when nobody is available.

    Round-robin: whoever waited longest. Least-loaded: the fewest open tickets, ties to
    whoever waited longest. Call it inside the transaction that opens the ticket.

    The chosen agent's membership row stays locked until the ticket commits, and a ticket
    arriving meanwhile skips it (SKIP LOCKED) for the next in line instead of waiting: a
    department's tickets do not queue behind each other's whole transaction (at concurrency
    16 that wait left a third of PostgreSQL's CPU idle). Only when every candidate is taken
    does a ticket wait, for the first in line. SQLite ignores the lock clauses (it writes one
    transaction at a time anyway). Manual departments are never locked.
    """
    if department.assignment_mode == AssignmentMode.MANUAL:
        return None
    return (_take_turn(department.pk, skip_locked=True)
            or _take_turn(department.pk, skip_locked=False))


def _take_turn(department_id: int, *, skip_locked: bool) -> User | None:
    """Lock the membership of the next agent in line (destek.tickets.sql) and take their
    turn: two statements on every database."""
    agent = next_agent_in_line(department_id, skip_locked=skip_locked)
    if agent is None:
        return None
    membership_id: int = getattr(agent, "membership_id")  # noqa: B009 (a raw() column)
    DepartmentMembership.objects.filter(pk=membership_id).update(
        last_assigned_at=timezone.now())
    return agent


def assign_automatically(*, ticket: Ticket) -> Ticket:
    """Pick an agent for an existing unassigned ticket by its department's mode; leave it
    unassigned if none. (The intake funnel picks before it inserts a new ticket.)"""
    if ticket.assignee_id:
        return ticket
    agent = pick_assignee(department=ticket.department)
    if agent is None:
        return ticket
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    audit = events.record(ticket=ticket, actor=None, kind=EventKind.ASSIGNEE, before="",
                          after=agent.display_name)
    bus.publish(domain_events.TicketAssigned(ticket=ticket, assignee=agent, actor=None,
                                             audit_event_id=audit.pk))
    return ticket
