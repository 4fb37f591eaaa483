"""Deadlines follow the ticket: computed in the change's transaction, paused by status,
ended by answers and resolution, moved by a policy change (background recompute)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from destek.sla.configuration import sla_config_changed
from destek.sla.models import (
    BusinessCalendar,
    BusinessHours,
    Metric,
    SlaCycle,
    SlaPolicy,
    TicketSla,
)
from destek.sla.selectors import sla_customer_expectation, sla_history, sla_state_for_tickets
from destek.sla.services.recompute import recompute_run
from destek.sla.services.refresh import sla_refresh
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Priority, Status, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def state(ticket: Ticket) -> TicketSla:
    return TicketSla.objects.get(ticket_id=ticket.pk)


def test_critical_ticket_gets_one_hour_first_response(customer, department):
    ticket = fresh(open_ticket(customer=customer, department=department,
                               priority=Priority.CRITICAL))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy_name == "Critical"
    assert sla.first_response_due == ticket.created_at + HOUR
    assert sla.next_response_due == ticket.created_at + 24 * HOUR
    assert sla.due_at == ticket.created_at + HOUR
    assert sla.warn_at == ticket.created_at + 45 * timedelta(minutes=1)
    assert sla.next_check_at == sla.warn_at
    state = sla_state_for_tickets(ticket_ids=[ticket.pk])[ticket.pk]
    assert state.metric == Metric.FIRST_RESPONSE
    assert state.level(ticket.created_at) == "ok"
    assert state.level(ticket.created_at + 50 * timedelta(minutes=1)) == "at_risk"
    assert state.level(ticket.created_at + 2 * HOUR) == "breached"
    assert sla_customer_expectation(ticket=ticket) == ticket.created_at + HOUR


def test_normal_ticket_owes_an_answer_within_24_hours(customer, department):
    ticket = fresh(open_ticket(customer=customer, department=department))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due is None  # no first-response target below critical
    assert sla.due_at == ticket.created_at + 24 * HOUR


def test_agent_answer_ends_the_response_cycles(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    answer = reply(ticket=ticket, author=agent, body="Looking into it").message
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due is None and sla.next_response_due is None
    assert sla.due_at == sla.resolution_due
    cycles = {c.metric: c for c in SlaCycle.objects.filter(ticket=ticket)}
    assert set(cycles) == {Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE}
    assert not cycles[Metric.FIRST_RESPONSE].breached
    assert cycles[Metric.FIRST_RESPONSE].completed_at == answer.created_at
    assert sla_customer_expectation(ticket=ticket) is None

    # The customer writes again: a new 24-hour cycle from that message.
    again = reply(ticket=ticket, author=customer, channel="portal", body="Still down").message
    sla.refresh_from_db()
    assert sla.response_cycle == 2
    assert sla.next_response_due == again.created_at + 24 * HOUR
    # A second customer message does not restart the clock.
    reply(ticket=ticket, author=customer, channel="portal", body="Hello?")
    sla.refresh_from_db()
    assert sla.next_response_due == again.created_at + 24 * HOUR


def test_internal_note_changes_nothing(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    before = TicketSla.objects.get(ticket=ticket).next_response_due
    reply(ticket=ticket, author=agent, internal=True, body="note")
    assert TicketSla.objects.get(ticket=ticket).next_response_due == before


def test_pending_customer_pauses_the_clock(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    ticket_update(actor=agent, ticket=ticket, status=Status.PENDING)
    sla = TicketSla.objects.get(ticket=ticket)
    row = fresh(ticket)
    assert sla.paused and sla.due_at is None
    # The targets stop; the progress reports do not (the customer hears what it waits for).
    assert sla.progress_due is not None and sla.next_check_at == sla.progress_due
    assert sla_state_for_tickets(ticket_ids=[ticket.pk])[ticket.pk].level(row.created_at) == \
        "paused"
    # Two hours later it is reopened: every deadline moves by the paused time.
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN)
    sla_refresh(ticket=fresh(ticket), now=row.created_at + 2 * HOUR)
    sla.refresh_from_db()
    assert not sla.paused
    assert abs(sla.first_response_due - (row.created_at + 3 * HOUR)) < timedelta(seconds=5)
    history = sla_history(ticket=ticket)
    assert history is not None and history.paused_seconds >= 7199


def test_resolution_is_recorded(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    assert state(ticket).due_at is None and state(ticket).next_check_at is None
    cycle = SlaCycle.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert not cycle.breached and cycle.target_minutes == 3 * 24 * 60


def test_priority_change_picks_another_policy(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, priority=Priority.CRITICAL)
    assert TicketSla.objects.get(ticket=ticket).policy_name == "Critical"
    assert state(ticket).due_at == fresh(ticket).created_at + HOUR


def test_business_hours_policy(customer, department):
    calendar = BusinessCalendar.objects.create(name="NY", timezone="America/New_York")
    BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, weekday=d,
                                                     start=time(9), end=time(17))
                                       for d in range(5)])
    SlaPolicy.objects.create(name="Business", position=1, calendar=calendar,
                             first_response_minutes=60)
    sla_config_changed(reason="test")
    ticket = open_ticket(customer=customer, department=department)
    due = TicketSla.objects.get(ticket=ticket).first_response_due
    local = due.astimezone(calendar_zone(calendar))
    assert local.weekday() < 5 and time(9) < local.time() <= time(17)


def calendar_zone(calendar: BusinessCalendar):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(calendar.timezone)


def test_policy_change_recomputes_open_tickets(customer, department, agent):
    tickets = [open_ticket(customer=customer, department=department,
                           priority=Priority.CRITICAL, subject=f"t{i}") for i in range(5)]
    closed = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    ticket_update(actor=agent, ticket=closed, status=Status.CLOSED)
    SlaPolicy.objects.filter(name="Critical").update(first_response_minutes=30)
    job = sla_config_changed(reason="faster")
    assert job.total == 5
    job = recompute_run(job_id=job.pk, batch=2)
    assert job.state == "done" and job.done == 5 and job.percent == 100
    for ticket in tickets:
        row = fresh(ticket)
        assert state(ticket).due_at == row.created_at + timedelta(minutes=30)
        assert state(ticket).first_response_minutes == 30
    assert state(closed).due_at is None
    # Running it again (a redelivered task) changes nothing.
    assert recompute_run(job_id=job.pk).done == 5


def test_recompute_creates_state_for_tickets_that_predate_the_engine(customer, department):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    TicketSla.objects.all().delete()
    job = sla_config_changed(reason="install")
    recompute_run(job_id=job.pk)
    row = fresh(ticket)
    assert state(ticket).due_at == row.created_at + HOUR
    assert TicketSla.objects.get(ticket=ticket).awaiting_since == row.last_customer_message_at


def test_selector_queries(customer, department, django_assert_num_queries):
    tickets = [open_ticket(customer=customer, department=department, subject=f"t{i}")
               for i in range(10)]
    with django_assert_num_queries(1):
        states = sla_state_for_tickets(ticket_ids=[t.pk for t in tickets])
    assert len(states) == 10
    with django_assert_num_queries(3):
        sla_history(ticket=tickets[0])
