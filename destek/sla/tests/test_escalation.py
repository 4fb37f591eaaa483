"""The escalation chain driven by the breach scan at controlled instants: warning → assignee,
breach → assignee and supervisor, then reassignment; each exactly once, also when scans are
doubled or catch up after downtime. On-call alerts and progress reminders."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.sla.models import (
    AlertKind,
    BusinessCalendar,
    Metric,
    OnCallShift,
    OnCallWeekly,
    SlaAlert,
    SlaPolicy,
    TicketSla,
)
from destek.sla.policies import forget_config
from destek.sla.services.scan import sla_scan
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Status, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def emails(kind: str) -> list[OutboundEmail]:
    render_outbox()  # notifications are composed by the delivery worker
    return list(OutboundEmail.objects.filter(kind=kind).order_by("id"))


@pytest.fixture
def critical(customer, department, agent, supervisor):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    ticket_update(actor=supervisor, ticket=ticket, assignee=agent)
    return Ticket.objects.get(pk=ticket.pk)


def test_the_chain_step_by_step(critical, agent, supervisor, colleague):
    t0 = critical.created_at
    assert sla_scan(now=t0 + 30 * MINUTE).sent == []  # nothing due yet

    result = sla_scan(now=t0 + 46 * MINUTE)
    assert result.sent == [(critical.pk, Metric.FIRST_RESPONSE, AlertKind.WARNING, 0)]
    [warning] = emails("sla_warning")
    assert warning.recipients == [agent.email]
    assert "first response" in warning.subject.lower()
    assert sla_scan(now=t0 + 47 * MINUTE).sent == []  # the same warning is not sent twice

    result = sla_scan(now=t0 + 61 * MINUTE)
    assert {(m, k) for _t, m, k, _c in result.sent} == {
        (Metric.FIRST_RESPONSE, AlertKind.BREACH), (Metric.FIRST_RESPONSE, AlertKind.SUPERVISOR)}
    assert sorted(e.recipients[0] for e in emails("sla_breach")) == sorted(
        [agent.email, supervisor.email])

    # Critical: reassigned an hour after the breach, to the least loaded colleague.
    result = sla_scan(now=t0 + 122 * MINUTE)
    assert (critical.pk, Metric.FIRST_RESPONSE, AlertKind.REASSIGN, 0) in result.sent
    assert Ticket.objects.get(pk=critical.pk).assignee_id in (colleague.pk, supervisor.pk)
    assert emails("agent_assigned")
    assert sla_scan(now=t0 + 200 * MINUTE).sent == []
    assert SlaAlert.objects.filter(ticket=critical, kind=AlertKind.REASSIGN).count() == 1


def test_catching_up_after_downtime_sends_one_per_breach(critical, agent, supervisor):
    t0 = critical.created_at
    # The scanner was down for five hours: one evaluation, each step once, no warning.
    result = sla_scan(now=t0 + 5 * 60 * MINUTE)
    kinds = sorted(k for _t, m, k, _c in result.sent if m == Metric.FIRST_RESPONSE)
    assert kinds == [AlertKind.BREACH, AlertKind.REASSIGN, AlertKind.SUPERVISOR]
    assert emails("sla_warning") == []
    assert SlaAlert.objects.get(ticket=critical, kind=AlertKind.WARNING).skipped
    breach_emails = len(emails("sla_breach"))
    # Doubled scans (beat fired twice, a redelivered task) do nothing more.
    assert sla_scan(now=t0 + 5 * 60 * MINUTE).sent == []
    assert sla_scan(now=t0 + 5 * 60 * MINUTE + MINUTE).sent == []
    assert len(emails("sla_breach")) == breach_emails == 2


def test_an_answer_stops_the_chain(critical, agent):
    from destek.tickets.factories import reply

    reply(ticket=critical, author=agent, body="On it")
    t0 = critical.created_at
    result = sla_scan(now=t0 + 90 * MINUTE)
    assert not [s for s in result.sent if s[1] == Metric.FIRST_RESPONSE]


def test_a_ticket_closed_without_an_event_loses_its_deadline_at_the_next_scan(critical):
    """A raw UPDATE (an import, a script) publishes no event: the scan finds the ticket due,
    sends nothing, and clears its deadline, so no queue shows it as breached."""
    Ticket.objects.filter(pk=critical.pk).update(status=Status.CLOSED)
    sla = TicketSla.objects.get(ticket_id=critical.pk)
    assert sla.due_at is not None and sla.next_check_at is not None
    assert sla_scan(now=critical.created_at + 5 * 60 * MINUTE).sent == []
    sla.refresh_from_db()
    assert (sla.due_at, sla.warn_at, sla.next_check_at) == (None, None, None)


def test_scan_queries_do_not_grow_with_due_tickets(customer, department, agent):
    """Tickets due for a check with nothing to send (already handled) cost a fixed few
    queries per batch: no per-ticket reads."""
    def run(n: int) -> int:
        tickets = [open_ticket(customer=customer, department=department, subject=f"s{i}")
                   for i in range(n)]
        now = max(t.created_at for t in tickets) + MINUTE
        TicketSla.objects.filter(ticket_id__in=[t.pk for t in tickets]).update(
            next_check_at=now)
        with CaptureQueriesContext(connection) as ctx:
            result = sla_scan(now=now)
        assert result.checked == n and result.sent == []
        return len(ctx.captured_queries)

    assert run(2) == run(12)


def test_out_of_hours_critical_ticket_alerts_whoever_is_on_call(customer, department,
                                                                colleague):
    # Office hours on another weekday only: now is out of hours, whenever the test runs.
    now = datetime.now(UTC)
    office = BusinessCalendar.objects.get(is_office_hours=True)
    office.hours.all().delete()
    office.hours.create(weekday=(now.weekday() + 3) % 7, start=time(9), end=time(10))
    forget_config()
    OnCallShift.objects.create(department=department, agent=colleague,
                               starts_at=now - timedelta(hours=1),
                               ends_at=now + timedelta(hours=1))
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    [alert] = emails("sla_on_call")
    assert alert.recipients == [colleague.email]
    # Raising the priority again, or another change, does not alert twice.
    ticket_update(actor=colleague, ticket=ticket, priority=Priority.HIGH)
    ticket_update(actor=colleague, ticket=ticket, priority=Priority.CRITICAL)
    assert len(emails("sla_on_call")) == 1


def test_weekly_rota_covers_overnight_slots(department, colleague):
    from destek.sla.services.oncall import agents_on_duty

    OnCallWeekly.objects.create(department=department, agent=colleague, weekday=4,
                                start=time(22), end=time(6), timezone="Europe/Istanbul")
    friday_night = datetime(2025, 3, 7, 23, 0, tzinfo=UTC)  # 02:00 Saturday in Istanbul
    saturday_noon = datetime(2025, 3, 8, 9, 0, tzinfo=UTC)
    friday_late = datetime(2025, 3, 7, 20, 30, tzinfo=UTC)  # 23:30 Friday in Istanbul
    assert agents_on_duty(department_id=department.pk, now=friday_night) == [colleague]
    assert agents_on_duty(department_id=department.pk, now=friday_late) == [colleague]
    assert agents_on_duty(department_id=department.pk, now=saturday_noon) == []


def test_progress_reminder_and_customer_update(customer, department, agent, supervisor):
    SlaPolicy.objects.filter(name="Normal").update(progress_every_minutes=120,
                                                    progress_customer_update=True)
    forget_config()
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=supervisor, ticket=ticket, assignee=agent)
    t0 = ticket.created_at
    assert sla_scan(now=t0 + 100 * MINUTE).sent == []
    result = sla_scan(now=t0 + 121 * MINUTE)
    assert [(m, k) for _t, m, k, _c in result.sent] == [(Metric.PROGRESS, AlertKind.REMINDER)]
    assert emails("sla_progress_reminder")[0].recipients == [agent.email]
    assert emails("sla_progress_update") == []  # the assignee has a grace period first
    result = sla_scan(now=t0 + 151 * MINUTE)  # a quarter of the period later
    assert [(m, k) for _t, m, k, _c in result.sent] == [
        (Metric.PROGRESS, AlertKind.CUSTOMER_UPDATE)]
    assert emails("sla_progress_update")[0].recipients == [customer.email]
    # Ten hours of downtime later: one reminder, not five.
    result = sla_scan(now=t0 + 10 * 60 * MINUTE + MINUTE)
    assert [(m, k) for _t, m, k, _c in result.sent] == [(Metric.PROGRESS, AlertKind.REMINDER)]
    assert len(emails("sla_progress_reminder")) == 2


def test_turkish_agent_gets_turkish_email(critical, agent):
    agent.language = "tr"
    agent.save(update_fields=["language"])
    sla_scan(now=critical.created_at + 46 * MINUTE)
    [warning] = emails("sla_warning")
    assert "SLA uyarısı" in warning.subject
    assert "Merhaba" in warning.body_text
