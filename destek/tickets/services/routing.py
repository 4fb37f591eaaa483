"""Automatic assignment per department: manual, round-robin or least-loaded."""

from __future__ import annotations

from django.utils import timezone

from destek.accounts.models import AssignmentMode, Department, DepartmentMembership, User
from destek.core import bus
from destek.tickets import domain_events, events
from destek.tickets.models import EventKind, Ticket
from destek.tickets.sql import next_agent_in_line


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
