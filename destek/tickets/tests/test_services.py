"""Ticket changes, assignment, merge and bulk updates."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory, DepartmentFactory, MembershipFactory
from destek.accounts.models import AssignmentMode
from destek.core.errors import ApplicationError, NotFound, PermissionDenied
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import EventKind, Priority, Status, Ticket, TicketEvent
from destek.tickets.services.changes import (
    ticket_bulk_update,
    ticket_merge,
    ticket_set_status_by_customer,
    ticket_update,
)

pytestmark = pytest.mark.django_db


def test_update_records_each_change_with_before_and_after(customer, agent, department,
                                                          other_department):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.ON_HOLD, priority=Priority.CRITICAL,
                  department=other_department, tags=["dns", "Urgent Thing"], assignee=agent)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.department, ticket.assignee) == (
        Status.ON_HOLD, Priority.CRITICAL, other_department, agent)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["dns", "urgent-thing"]
    events = {e.kind: e for e in TicketEvent.objects.filter(ticket=ticket)}
    assert (events[EventKind.STATUS].before, events[EventKind.STATUS].after) == ("new", "on_hold")
    assert events[EventKind.DEPARTMENT].after == other_department.name
    assert events[EventKind.ASSIGNEE].after == agent.display_name
    assert events[EventKind.TAGS].after == "dns, urgent-thing"
    assert events[EventKind.PRIORITY].actor == agent


def test_update_without_changes_writes_nothing(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    before = TicketEvent.objects.count()
    ticket_update(actor=agent, ticket=ticket, status=ticket.status, priority=ticket.priority)
    assert TicketEvent.objects.count() == before


def test_resolving_and_reopening_keeps_timestamps_consistent(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    assert ticket.resolved_at is not None and ticket.closed_at is None
    ticket_set_status_by_customer(actor=customer, ticket=ticket, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None


def test_customers_may_only_close_or_reopen(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    with pytest.raises(ApplicationError):
        ticket_set_status_by_customer(actor=customer, ticket=ticket, status=Status.ON_HOLD)
    with pytest.raises(ApplicationError):
        ticket_set_status_by_customer(actor=customer, ticket=ticket, status=Status.OPEN)
    ticket_set_status_by_customer(actor=customer, ticket=ticket, status=Status.CLOSED)
    assert ticket.closed_at is not None


def test_customers_cannot_use_agent_services(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    with pytest.raises(PermissionDenied):
        ticket_update(actor=customer, ticket=ticket, priority=Priority.CRITICAL)


def test_outsourced_agent_cannot_be_assigned_outside_their_departments(customer, agent,
                                                                        outsourced, department):
    ticket = open_ticket(customer=customer, department=department)
    with pytest.raises(ApplicationError, match="does not work in this department"):
        ticket_update(actor=agent, ticket=ticket, assignee=outsourced)


def test_merge_moves_conversation_and_closes_source(customer, agent, department):
    target = open_ticket(customer=customer, department=department, subject="Target")
    source = open_ticket(customer=customer, department=department, subject="Source")
    reply(ticket=source, author=agent, body="answer on source")
    ticket_merge(actor=agent, source=source, target=target)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into == target
    assert target.messages.count() == 3 and target.message_count == 3
    assert source.events.filter(kind=EventKind.MERGED_OUT, after=target.reference).exists()
    assert target.events.filter(kind=EventKind.MERGED_IN, before=source.reference).exists()


def test_merge_refuses_other_customers_ticket(customer, other_customer, agent, department):
    a = open_ticket(customer=customer, department=department)
    b = open_ticket(customer=other_customer, department=department)
    with pytest.raises(ApplicationError):
        ticket_merge(actor=agent, source=a, target=b)


def test_bulk_update_is_all_or_nothing_and_permission_checked(customer, outsourced, department,
                                                              other_department):
    visible = open_ticket(customer=customer, department=other_department)
    hidden = open_ticket(customer=customer, department=department)
    with pytest.raises(NotFound):
        ticket_bulk_update(actor=outsourced, ticket_ids=[visible.pk, hidden.pk],
                           status=Status.RESOLVED)
    visible.refresh_from_db()
    assert visible.status == Status.NEW
    assert ticket_bulk_update(actor=outsourced, ticket_ids=[visible.pk],
                              status=Status.RESOLVED) == 1


def _department_with_agents(department, n, mode):
    department.assignment_mode = mode
    department.save()
    return [MembershipFactory(department=department, agent=AgentFactory()).agent
            for _ in range(n)]


def test_round_robin_takes_turns(customer, department):
    agents = _department_with_agents(department, 3, AssignmentMode.ROUND_ROBIN)
    assignees = [open_ticket(customer=customer, department=department).assignee
                 for _ in range(6)]
    assert assignees == agents + agents


def test_least_loaded_respects_limits_and_availability(customer, agent, department):
    busy, free, away = _department_with_agents(department, 3, AssignmentMode.LEAST_LOADED)
    agent.is_available = False
    agent.save()
    away.is_available = False
    away.save()
    free.max_open_tickets = 1
    free.save()
    first = open_ticket(customer=customer, department=department).assignee
    second = open_ticket(customer=customer, department=department).assignee
    third = open_ticket(customer=customer, department=department).assignee
    assert {first, second} == {busy, free}
    assert third == busy  # free reached the limit of one open ticket


def test_manual_mode_leaves_tickets_unassigned(customer, agent, department):
    assert open_ticket(customer=customer, department=department).assignee is None


def test_no_agent_under_limit_leaves_ticket_unassigned(customer, department):
    (only,) = _department_with_agents(department, 1, AssignmentMode.ROUND_ROBIN)
    only.max_open_tickets = 0
    only.save()
    assert open_ticket(customer=customer, department=department).assignee is None


def test_least_loaded_prefers_the_lighter_load_over_the_longer_wait(customer, department):
    loaded, light = _department_with_agents(department, 2, AssignmentMode.LEAST_LOADED)
    elsewhere = DepartmentFactory()  # manual: its tickets are assigned by hand
    for _ in range(2):
        Ticket.objects.filter(pk=open_ticket(customer=customer, department=elsewhere).pk
                              ).update(assignee=loaded)
    # Neither agent had a turn yet, and `loaded` joined first, so it is first in line by
    # waiting time; least-loaded still picks `light`, then alternates once loads are even.
    picks = [open_ticket(customer=customer, department=department).assignee for _ in range(3)]
    assert picks[:2] == [light, light]
    assert picks[2] == loaded


def test_routing_reads_the_chosen_agent_in_the_pick(customer, department,
                                                    django_assert_num_queries):
    from destek.tickets.services.routing import pick_assignee

    (only,) = _department_with_agents(department, 1, AssignmentMode.ROUND_ROBIN)
    department.refresh_from_db()
    # Choose and lock the membership with its agent (and the department's mode) in one
    # statement, then take the turn: the same two on every database.
    with django_assert_num_queries(2):
        picked = pick_assignee(department=department)
    assert picked == only
    assert picked.email == only.email
    membership = only.departmentmembership_set.get(department=department)
    assert membership.last_assigned_at is not None


def test_routing_reads_the_assignment_mode_again_under_the_lock(customer, department):
    from destek.accounts.models import Department
    from destek.tickets.services.routing import pick_assignee

    _department_with_agents(department, 2, AssignmentMode.ROUND_ROBIN)
    stale = Department.objects.get(pk=department.pk)
    Department.objects.filter(pk=department.pk).update(assignment_mode=AssignmentMode.MANUAL)
    assert pick_assignee(department=stale) is None  # switched to manual meanwhile
