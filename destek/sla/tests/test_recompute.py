"""The bulk recomputation after a policy change writes exactly what the per-ticket engine
(sla_refresh) writes for the same ticket at the same instant: policy, targets, deadlines,
pauses and the next check, under business hours, pauses, response cycles, organization and
hosting conditions (service kind, plan, server, tier, reseller). It leaves the ticket rows
alone, resumes after a stop and reports progress."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.accounts.models import Department, User
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import CustomerValue, ServiceKind, Tier
from destek.sla.configuration import sla_config_changed
from destek.sla.models import (
    BusinessCalendar,
    BusinessHours,
    Holiday,
    RecomputeState,
    SlaPolicy,
    SlaRecompute,
    TicketSla,
)
from destek.sla.services.recompute import recompute_run
from destek.sla.services.refresh import sla_refresh
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import OPEN_STATUSES, Priority, Status, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db

STATE = ("policy_id", "policy_name", "first_response_minutes", "next_response_minutes",
         "resolution_minutes", "first_response_due", "next_response_due", "resolution_due",
         "progress_due", "paused", "paused_seconds", "due_at", "warn_at", "next_check_at",
         "stretches", "awaiting_since", "response_cycle", "status")


def snapshot() -> dict[int, tuple[Any, ...]]:
    """Every open ticket's SLA state."""
    return {s.ticket_id: tuple(getattr(s, name) for name in STATE)
            for s in TicketSla.objects.filter(ticket__status__in=OPEN_STATUSES)}


def per_ticket(now: Any) -> dict[int, tuple[Any, ...]]:
    """What the per-ticket engine makes of every open ticket at `now`."""
    for ticket in Ticket.objects.filter(status__in=OPEN_STATUSES).select_related("customer"):
        sla_refresh(ticket=ticket, now=now)
    return snapshot()


@pytest.fixture
def varied(settings, customer: User, department: Department, other_department: Department,
           agent: User) -> list[Ticket]:
    """Open tickets of every kind under policies of every kind."""
    reseller = OrganizationFactory(is_reseller=True)
    organization = OrganizationFactory(reseller=reseller)
    member = CustomerFactory(organization=organization)
    end_customer = CustomerFactory(organization=OrganizationFactory(reseller=reseller))
    gold = CustomerFactory()
    key, key_shared = CustomerFactory(), CustomerFactory()
    CustomerValue.objects.create(customer=key, tier=Tier.KEY)
    CustomerValue.objects.create(customer=key_shared, tier=Tier.KEY)
    services = {gold.pk: ServiceFactory(customer=gold, plan="gold"),
                key.pk: ServiceFactory(customer=key, kind=ServiceKind.DEDICATED,
                                       server="rack7"),
                key_shared.pk: ServiceFactory(customer=key_shared, server="rack7")}
    calendar = BusinessCalendar.objects.create(name="New York", timezone="America/New_York")
    BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, weekday=d,
                                                     start=time(9), end=time(17))
                                       for d in range(5)])
    today = timezone.localdate()
    Holiday.objects.bulk_create([Holiday(calendar=calendar, date=today + timedelta(days=d))
                                 for d in (1, 3)] + [Holiday(calendar=calendar,
                                                             date=date(today.year, 12, 25))]
                                , ignore_conflicts=True)
    SlaPolicy.objects.create(name="Gold plan", position=1, plans=["gold"],
                             first_response_minutes=120, next_response_minutes=240,
                             resolution_minutes=600, calendar=calendar,
                             progress_every_minutes=180)
    org = SlaPolicy.objects.create(name="Organization", position=2, next_response_minutes=90,
                                   resolution_minutes=300, pause_statuses=[Status.ON_HOLD])
    org.organizations.add(organization)
    billing = SlaPolicy.objects.create(name="Billing hours", position=3, calendar=calendar,
                                       first_response_minutes=60, next_response_minutes=480,
                                       resolution_minutes=2400, warn_percent=50,
                                       supervisor_after_minutes=30)
    billing.departments.add(other_department)
    SlaPolicy.objects.create(name="Rack 7 key accounts", position=4, servers=["rack7"],
                             tiers=[Tier.KEY], priorities=[Priority.HIGH],
                             first_response_minutes=20, resolution_minutes=200)
    by_reseller = SlaPolicy.objects.create(name="Reseller", position=5,
                                           priorities=[Priority.LOW],
                                           first_response_minutes=45)
    by_reseller.resellers.add(reseller)
    sla_config_changed(reason="policies for the test")

    tickets = []
    people = (customer, member, end_customer, gold, key, key_shared)
    priorities = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL)
    for i, (who, priority) in enumerate(itertools.product(people, priorities)):
        home = other_department if i % 5 == 2 else department
        ticket = open_ticket(customer=who, department=home, priority=priority,
                             subject=f"t{i}")
        if who.pk in services:
            Ticket.objects.filter(pk=ticket.pk).update(service=services[who.pk])
        if i % 3 == 1:
            reply(ticket=ticket, author=agent, body="Looking")
        if i % 6 == 1:
            reply(ticket=ticket, author=who, body="Still broken", channel="portal")
        if i % 5 == 2:
            ticket_update(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk),
                          status=Status.PENDING)
        if i % 7 == 3:
            ticket_update(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk),
                          status=Status.ON_HOLD)
            ticket_update(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk),
                          status=Status.OPEN)
        tickets.append(ticket)
    done = open_ticket(customer=customer, department=department, subject="done")
    ticket_update(actor=agent, ticket=done, status=Status.RESOLVED)
    return tickets


def change_every_policy() -> None:
    for policy in SlaPolicy.objects.all():
        policy.resolution_minutes = (policy.resolution_minutes or 0) + 120
        policy.warn_percent = 80
        policy.save(update_fields=["resolution_minutes", "warn_percent"])
    SlaPolicy.objects.filter(name="Gold plan").update(first_response_minutes=90)


def test_recompute_writes_what_the_per_ticket_engine_writes(varied):
    change_every_policy()
    now = timezone.now() + timedelta(hours=7)
    tickets_before = list(Ticket.objects.order_by("pk").values())
    job = sla_config_changed(reason="every policy")
    job = recompute_run(job_id=job.pk, batch=4, now=now)
    assert job.state == RecomputeState.DONE and job.done == job.total == len(varied)
    bulk = snapshot()
    assert {row[1] for row in bulk.values()} >= {
        "Gold plan", "Organization", "Billing hours", "Critical", "Rack 7 key accounts",
        "Reseller", "Dedicated servers — critical", "Key accounts — critical"}
    assert any(row[9] for row in bulk.values())  # some paused
    assert any(row[8] for row in bulk.values())  # progress reports under the gold plan
    # The ticket rows are not written by the recomputation.
    assert list(Ticket.objects.order_by("pk").values()) == tickets_before
    assert per_ticket(now) == bulk


def test_recompute_installs_what_the_per_ticket_engine_would(varied):
    """Tickets that predate the engine (no SLA row yet) get the state sla_refresh would
    give them."""
    TicketSla.objects.all().delete()
    now = timezone.now() + timedelta(minutes=5)
    job = sla_config_changed(reason="install")
    recompute_run(job_id=job.pk, batch=5, now=now)
    bulk = snapshot()
    assert len(bulk) == len(varied)
    TicketSla.objects.all().delete()
    assert per_ticket(now) == bulk


def test_a_stopped_job_resumes_where_it_stopped_and_reports_progress(varied):
    change_every_policy()
    now = timezone.now()
    job = sla_config_changed(reason="every policy")
    job = recompute_run(job_id=job.pk, batch=5, now=now, max_batches=2)
    assert job.state == RecomputeState.RUNNING and job.done == 10
    assert SlaRecompute.objects.get(pk=job.pk).percent == 10 * 100 // len(varied)
    # The worker died: the sweeper hands the job to another one once its heartbeat is old.
    SlaRecompute.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=10))
    job = recompute_run(job_id=job.pk, batch=5, now=now)
    assert job.state == RecomputeState.DONE and job.percent == 100
    assert snapshot() == per_ticket(now)


def test_a_batch_reads_once_and_writes_only_the_sla_rows(varied):
    from destek.sla.policies import load_config
    from destek.sla.services.recompute import recompute_batch

    change_every_policy()
    sla_config_changed(reason="every policy")
    config = load_config()
    with CaptureQueriesContext(connection) as ctx:
        count, _last = recompute_batch(after_id=0, limit=100, now=timezone.now(),
                                       config=config)
    assert count == len(varied)
    sql = [q["sql"] for q in ctx.captured_queries]
    # The tickets with their SLA rows, the hosting context of those that reach a policy
    # with hosting conditions, and one statement writing the SLA rows that moved; nothing
    # writes the ticket rows.
    assert len(sql) == 3, sql
    assert 'LEFT OUTER JOIN "sla_ticketsla"' in sql[0]
    assert sql[2].startswith('UPDATE "sla_ticketsla"')
