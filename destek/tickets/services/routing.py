"""Automatic assignment per department: manual, round-robin or least-loaded."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from destek.accounts.models import STAFF_ROLES, AssignmentMode, Department, DepartmentMembership
from destek.core import bus
from destek.tickets import domain_events, events
from destek.tickets.models import OPEN_STATUSES, EventKind, Ticket

NEVER = datetime.min.replace(tzinfo=UTC)


def _candidates(department: Department) -> list[tuple[DepartmentMembership, int]]:
    """Available agents of the department under their limit, with their open-ticket load
    (one query: the load is a subquery per membership, an index range count each)."""
    open_load = (
        Ticket.objects.filter(assignee=OuterRef("agent_id"), status__in=OPEN_STATUSES)
        .order_by().values("assignee").annotate(n=Count("*")).values("n")
    )
    memberships = (
        DepartmentMembership.objects.select_related("agent")
        .filter(department=department, agent__is_active=True, agent__is_available=True,
                agent__role__in=STAFF_ROLES)
        .annotate(load=Coalesce(Subquery(open_load, output_field=IntegerField()), Value(0)))
        .order_by("pk")
    )
    return [(m, m.load) for m in memberships if m.load < m.agent.max_open_tickets]


def pick_assignee(*, department: Department) -> DepartmentMembership | None:
    """The membership whose agent gets the department's next new ticket, its turn taken
    (`last_assigned_at`); None for manual departments or when nobody is available.

    Call it inside the transaction that opens the ticket: it locks the department row so
    two tickets arriving together do not pick the same turn. Manual departments are not
    locked (their tickets never wait for each other).
    """
    if department.assignment_mode == AssignmentMode.MANUAL:
        return None
    locked = (Department.objects.select_for_update().only("id", "assignment_mode")
              .get(pk=department.pk))
    if locked.assignment_mode == AssignmentMode.MANUAL:  # changed since it was read
        return None
    candidates = _candidates(department)
    if not candidates:
        return None

    def longest_waiting(c: tuple[DepartmentMembership, int]) -> tuple[datetime, int]:
        return (c[0].last_assigned_at or NEVER, c[0].pk)

    if locked.assignment_mode == AssignmentMode.LEAST_LOADED:
        membership, _load = min(candidates, key=lambda c: (c[1], *longest_waiting(c)))
    else:
        membership, _load = min(candidates, key=longest_waiting)
    membership.last_assigned_at = timezone.now()
    membership.save(update_fields=["last_assigned_at"])
    return membership


def assign_automatically(*, ticket: Ticket) -> Ticket:
    """Pick an agent for an existing unassigned ticket by its department's mode; leave it
    unassigned if none. (The intake funnel picks before it inserts a new ticket.)"""
    if ticket.assignee_id:
        return ticket
    membership = pick_assignee(department=ticket.department)
    if membership is None:
        return ticket
    ticket.assignee = membership.agent
    ticket.save(update_fields=["assignee"])
    audit = events.record(ticket=ticket, actor=None, kind=EventKind.ASSIGNEE, before="",
                          after=membership.agent.display_name)
    bus.publish(domain_events.TicketAssigned(ticket=ticket, assignee=membership.agent,
                                             actor=None, audit_event_id=audit.pk))
    return ticket
