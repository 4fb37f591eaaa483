"""Automatic assignment per department: manual, round-robin or least-loaded."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Count
from django.utils import timezone

from destek.accounts.models import STAFF_ROLES, AssignmentMode, Department, DepartmentMembership
from destek.core import bus
from destek.tickets import domain_events, events
from destek.tickets.models import OPEN_STATUSES, EventKind, Ticket

NEVER = datetime.min.replace(tzinfo=UTC)


def _candidates(department: Department) -> list[tuple[DepartmentMembership, int]]:
    """Available agents of the department under their limit, with their open-ticket load."""
    memberships = list(
        DepartmentMembership.objects.select_related("agent")
        .filter(department=department, agent__is_active=True, agent__is_available=True,
                agent__role__in=STAFF_ROLES)
        .order_by("pk")
    )
    if not memberships:
        return []
    loads = dict(
        Ticket.objects.filter(assignee__in=[m.agent_id for m in memberships],
                              status__in=OPEN_STATUSES)
        .order_by().values("assignee").annotate(n=Count("pk")).values_list("assignee", "n")
    )
    return [(m, loads.get(m.agent_id, 0)) for m in memberships
            if loads.get(m.agent_id, 0) < m.agent.max_open_tickets]


def assign_automatically(*, ticket: Ticket) -> Ticket:
    """Pick an agent for a new ticket by its department's mode; leave it unassigned if none."""
    if ticket.assignee_id or ticket.department.assignment_mode == AssignmentMode.MANUAL:
        return ticket  # no lock: tickets of manual departments never wait for each other
    # Lock the department row so two tickets arriving together do not pick the same turn.
    department = Department.objects.select_for_update().get(pk=ticket.department_id)
    if department.assignment_mode == AssignmentMode.MANUAL:  # changed since it was read
        return ticket
    candidates = _candidates(department)
    if not candidates:
        return ticket
    def longest_waiting(c: tuple[DepartmentMembership, int]) -> tuple[datetime, int]:
        return (c[0].last_assigned_at or NEVER, c[0].pk)

    if department.assignment_mode == AssignmentMode.LEAST_LOADED:
        membership, _load = min(candidates, key=lambda c: (c[1], *longest_waiting(c)))
    else:
        membership, _load = min(candidates, key=longest_waiting)
    now = timezone.now()
    membership.last_assigned_at = now
    membership.save(update_fields=["last_assigned_at"])
    ticket.assignee = membership.agent
    ticket.save(update_fields=["assignee"])
    events.record(ticket=ticket, actor=None, kind=EventKind.ASSIGNEE, before="",
                  after=membership.agent.display_name)
    bus.publish(domain_events.TicketAssigned(ticket=ticket, assignee=membership.agent, actor=None))
    return ticket
