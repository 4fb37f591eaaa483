"""Automatic assignment per department: manual, round-robin or least-loaded."""

from __future__ import annotations

from django.db.models import Case, Count, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from destek.accounts.models import (
    STAFF_ROLES,
    AssignmentMode,
    Department,
    DepartmentMembership,
    User,
)
from destek.core import bus
from destek.tickets import domain_events, events
from destek.tickets.models import OPEN_STATUSES, EventKind, Ticket

AUTOMATIC_MODES = (AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_LOADED)


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
    membership = _take_turn(department.pk, skip_locked=True) or _take_turn(
        department.pk, skip_locked=False)
    return membership.agent if membership is not None else None


def _take_turn(department_id: int, *, skip_locked: bool) -> DepartmentMembership | None:
    """Lock the membership of the next agent in line and take their turn: two statements,
    the locking SELECT (with the agent's row) and the turn's UPDATE.

    The department's assignment mode is read again in the locking statement: a department
    switched to manual since the caller read it gets no assignee, and one switched between
    round-robin and least-loaded is served by its new mode. Each agent's load is an index-only
    count on ticket_open_assignee; PostgreSQL counts it twice (limit, order), which the
    former MATERIALIZED CTE avoided: 1.9 → 0.6 ms of PostgreSQL per routed ticket at seven
    agents of ~400 open tickets (bench/README.md, session 4), about 12 % of a ticket's
    creation (10.5-11.2 ms of CPU), under the 20 % that would justify a second version."""
    load = Ticket.objects.filter(
        assignee_id=OuterRef("agent_id"), status__in=OPEN_STATUSES,
    ).order_by().values("assignee_id").annotate(n=Count("*")).values("n")
    membership = (
        DepartmentMembership.objects
        .select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("agent")
        .filter(department_id=department_id, department__assignment_mode__in=AUTOMATIC_MODES,
                agent__is_active=True, agent__is_available=True,
                agent__role__in=STAFF_ROLES)
        .annotate(load=Coalesce(Subquery(load), 0))
        .filter(load__lt=F("agent__max_open_tickets"))
        .order_by(
            # Least-loaded: the lighter load first; both modes: the longest wait first.
            Case(When(department__assignment_mode=AssignmentMode.LEAST_LOADED,
                      then=F("load")), default=Value(0)),
            F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )
    if membership is None:
        return None
    membership.last_assigned_at = timezone.now()
    membership.save(update_fields=["last_assigned_at"])
    return membership


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
