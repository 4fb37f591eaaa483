"""Two runs of one automation at the same moment on PostgreSQL (two beats, a retried task):
each ticket fires once, decided by AutomationApplied's unique constraint, not by a read."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from destek.automation import schedules
from destek.automation.models import Automation, AutomationApplied, AutomationField
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket
from destek.tickets.models import EventKind, Status, Ticket, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _shipped_automations(db: None) -> None:
    """The shipped automations as the data migration writes them (a transactional test
    before this one may have emptied the tables)."""
    from django.apps import apps

    module = importlib.import_module("destek.automation.migrations.0002_shipped_automations")
    module.create(apps, None)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL (SQLite writes one at "
                    "a time)")


def _run_twice_at_once(automation_id: int, now) -> list[schedules.RunResult]:  # type: ignore[no-untyped-def]
    start = threading.Barrier(2)
    results: list[schedules.RunResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            automation = Automation.objects.get(pk=automation_id)  # each its own copy
            start.wait(10)
            results.append(schedules.run_automation(automation, now=now))
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_two_runs_at_once_fire_once_per_ticket(customer, department, agent):
    tickets = [open_ticket(customer=customer, department=department) for _ in range(6)]
    for ticket in tickets:
        ticket_update(actor=agent, ticket=ticket, status=Status.PENDING)
    # An email leaves the ticket pending: only the unique row keeps the second run off it.
    remind = Automation.objects.get(default_key="remind_pending")
    results = _run_twice_at_once(remind.pk, timezone.now() + timedelta(days=3, minutes=1))
    # Both runs read every ticket (the copy each started with had no cursor yet)...
    assert [r.scanned for r in results] == [len(tickets)] * 2
    # ...and each ticket fired in one of them.
    assert sum(r.fired for r in results) == len(tickets)
    assert AutomationApplied.objects.filter(automation=remind).count() == len(tickets)
    assert OutboundEmail.objects.filter(kind="rule_email").count() == len(tickets)
    remind.refresh_from_db()
    assert remind.fire_count == len(tickets)


def test_two_closing_runs_at_once_close_once(customer, department, agent):
    tickets = [open_ticket(customer=customer, department=department) for _ in range(4)]
    for ticket in tickets:
        ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    close = Automation.objects.get(default_key="close_resolved")
    assert close.field == AutomationField.RESOLVED_AT
    results = _run_twice_at_once(close.pk, timezone.now() + timedelta(days=7, minutes=1))
    assert sum(r.fired for r in results) == len(tickets)
    assert Ticket.objects.filter(status=Status.CLOSED).count() == len(tickets)
    assert TicketEvent.objects.filter(kind=EventKind.AUTOMATION).count() == len(tickets)
