"""Progress reports: the assignee is reminded when a ticket had no public update for the
policy's period; if nothing public is written within the grace period, the customer gets a
real status update in their language and time zone (status, who is on it, the latest
answer, what an on-hold ticket waits for, when the next update comes). Once per report."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from destek.accounts.factories import CustomerFactory
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.sla.engine import grace_minutes
from destek.sla.models import AlertKind, Metric, SlaAlert, SlaPolicy, TicketSla
from destek.sla.policies import forget_config, load_config
from destek.sla.services.scan import sla_scan
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Status, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def emails(kind: str) -> list[OutboundEmail]:
    render_outbox()
    return list(OutboundEmail.objects.filter(kind=kind).order_by("id"))


def kinds(result) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(m, k) for _t, m, k, _c in result.sent]


def shown(value: datetime, *, language: str, zone: str) -> str:
    with translation.override(language):
        return formats.date_format(value.astimezone(ZoneInfo(zone)), "DATETIME_FORMAT")


@pytest.fixture(autouse=True)
def every_two_hours(db: None) -> None:
    """The Normal policy reports every 2 hours; the grace is a quarter of it (30 min)."""
    SlaPolicy.objects.filter(name="Normal").update(progress_every_minutes=120,
                                                    progress_customer_update=True,
                                                    progress_grace_minutes=None)
    forget_config()


def started(ticket: Ticket) -> datetime:
    """The instant the progress period counts from: the latest public agent update."""
    row = Ticket.objects.get(pk=ticket.pk)
    return row.last_agent_message_at or row.created_at


def test_reminder_first_then_a_real_update_in_english(customer, department, agent, supervisor):
    ticket = open_ticket(customer=customer, department=department, subject="Mail is down")
    ticket_update(actor=supervisor, ticket=ticket, assignee=agent)
    reply(ticket=ticket, author=agent, body="We are checking the mail server.")
    reply(ticket=ticket, author=agent, body="root password is hunter2", internal=True)
    t0 = started(ticket)
    assert TicketSla.objects.get(ticket=ticket).progress_due == t0 + 120 * MINUTE

    assert sla_scan(now=t0 + 119 * MINUTE).sent == []
    assert kinds(sla_scan(now=t0 + 121 * MINUTE)) == [(Metric.PROGRESS, AlertKind.REMINDER)]
    [reminder] = emails("sla_progress_reminder")
    assert reminder.recipients == [agent.email]
    assert "automatic status update" in reminder.body_text
    assert emails("sla_progress_update") == []  # the assignee's grace period
    assert sla_scan(now=t0 + 149 * MINUTE).sent == []

    assert kinds(sla_scan(now=t0 + 151 * MINUTE)) == [
        (Metric.PROGRESS, AlertKind.CUSTOMER_UPDATE)]
    [update] = emails("sla_progress_update")
    assert update.recipients == [customer.email]
    assert update.subject.endswith("Progress update: Mail is down")
    body = update.body_text
    assert "Status: Open" in body
    assert "Who is on it: Mehmet Agent, Technical support" in body
    assert "We are checking the mail server." in body
    assert "hunter2" not in body and agent.email not in body  # no note, no agent address
    assert "waiting for" not in body
    # The next report: a period and a grace later, in the customer's zone (TIME_ZONE).
    nxt = shown(t0 + 270 * MINUTE, language="en", zone="Europe/Istanbul")
    assert f"You will hear from us again by {nxt} at the latest" in body
    assert SlaAlert.objects.get(ticket=ticket, kind=AlertKind.CUSTOMER_UPDATE).recipients == [
        customer.pk]


def test_in_turkish_and_the_customers_time_zone(department, supervisor):
    customer = CustomerFactory(full_name="Ayşe Yılmaz", language="tr",
                               time_zone="America/New_York")
    ticket = open_ticket(customer=customer, department=department, subject="E-posta çalışmıyor")
    t0 = started(ticket)
    sla_scan(now=t0 + 121 * MINUTE)
    # Nobody has the ticket: the department's supervisor is reminded.
    assert emails("sla_progress_reminder")[0].recipients == [supervisor.email]
    sla_scan(now=t0 + 151 * MINUTE)
    [update] = emails("sla_progress_update")
    assert "Durum bilgisi: E-posta çalışmıyor" in update.subject
    body = update.body_text
    assert "Durum: Yeni" in body or "Durum: Açık" in body
    assert "İlgilenen: Teknik destek ekibimiz" in body
    nxt = shown(t0 + 270 * MINUTE, language="tr", zone="America/New_York")
    assert f"En geç {nxt} tarihine kadar size yeniden yazacağız" in body


@pytest.mark.parametrize(("status", "language", "expected"), [
    (Status.ON_HOLD, "en", "It is waiting for a step outside our team"),
    (Status.PENDING, "en", "It is waiting for your reply"),
    (Status.ON_HOLD, "tr", "Beklenen: ekibimizin dışındaki bir adım"),
    (Status.PENDING, "tr", "Beklenen: yanıtınız (devam edebilmemiz için"),
])
def test_tickets_on_hold_keep_getting_reports_saying_what_they_wait_for(
        department, agent, status, language, expected):
    customer = CustomerFactory(language=language)
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, status=status, assignee=agent)
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.paused and sla.progress_due is not None  # the targets wait, reports do not
    t0 = started(ticket)
    assert kinds(sla_scan(now=t0 + 121 * MINUTE)) == [(Metric.PROGRESS, AlertKind.REMINDER)]
    assert kinds(sla_scan(now=t0 + 151 * MINUTE)) == [
        (Metric.PROGRESS, AlertKind.CUSTOMER_UPDATE)]
    [update] = emails("sla_progress_update")
    assert expected in update.body_text


def test_a_public_answer_within_the_grace_period_means_no_customer_update(
        customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department)
    t0 = started(ticket)
    sla_scan(now=t0 + 121 * MINUTE)
    assert len(emails("sla_progress_reminder")) == 1
    # The agent answers 10 minutes after the reminder (as intake stamps a public reply).
    Ticket.objects.filter(pk=ticket.pk).update(last_agent_message_at=t0 + 130 * MINUTE)
    assert sla_scan(now=t0 + 151 * MINUTE).sent == []
    assert sla_scan(now=t0 + 240 * MINUTE).sent == []
    assert emails("sla_progress_update") == []
    # The next report counts from that answer.
    assert kinds(sla_scan(now=t0 + 251 * MINUTE)) == [(Metric.PROGRESS, AlertKind.REMINDER)]


def test_no_duplicates_when_the_scan_runs_twice_or_loses_its_bookkeeping(
        customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department)
    t0 = started(ticket)
    sla_scan(now=t0 + 151 * MINUTE)  # caught up: reminder and update at once
    sla_scan(now=t0 + 151 * MINUTE)
    sla_scan(now=t0 + 160 * MINUTE)
    assert len(emails("sla_progress_reminder")) == 1
    assert len(emails("sla_progress_update")) == 1
    # Even if the alert rows were gone, the outbox's idempotency keys keep one email each.
    SlaAlert.objects.filter(ticket=ticket).delete()
    TicketSla.objects.filter(ticket=ticket).update(next_check_at=t0)
    assert len(sla_scan(now=t0 + 152 * MINUTE).sent) == 2
    assert len(emails("sla_progress_reminder")) == 1
    assert len(emails("sla_progress_update")) == 1


def test_the_customer_update_can_be_switched_off(customer, department, supervisor):
    SlaPolicy.objects.filter(name="Normal").update(progress_customer_update=False)
    forget_config()
    ticket = open_ticket(customer=customer, department=department)
    t0 = started(ticket)
    assert kinds(sla_scan(now=t0 + 200 * MINUTE)) == [(Metric.PROGRESS, AlertKind.REMINDER)]
    assert emails("sla_progress_update") == []
    assert "automatic status update" not in emails("sla_progress_reminder")[0].body_text


def test_a_customer_who_wants_no_ticket_email_gets_none(customer, department):
    customer.email_notifications = False
    customer.save(update_fields=["email_notifications"])
    ticket = open_ticket(customer=customer, department=department)
    sla_scan(now=started(ticket) + 151 * MINUTE)
    assert emails("sla_progress_update") == []


def test_the_batch_reads_latest_answers_in_a_fixed_number_of_queries(department, agent):
    def due_tickets(n: int) -> datetime:
        last = None
        for _ in range(n):
            ticket = open_ticket(customer=CustomerFactory(), department=department)
            reply(ticket=ticket, author=agent, body="Looking into it.")
            last = started(ticket)
        assert last is not None
        return last

    def message_reads(n: int) -> int:
        t0 = due_tickets(n)
        with CaptureQueriesContext(connection) as queries:
            result = sla_scan(now=t0 + 200 * MINUTE)
        assert len([s for s in result.sent if s[2] == AlertKind.CUSTOMER_UPDATE]) >= n
        return sum('"tickets_message"' in q["sql"] for q in queries.captured_queries)

    assert message_reads(2) == message_reads(5) == 2


def test_grace_is_configurable_and_at_most_half_the_period(customer, department):
    SlaPolicy.objects.filter(name="Normal").update(progress_grace_minutes=10)
    forget_config()
    policy = next(p for p in load_config().policies if p.name == "Normal")
    assert grace_minutes(policy) == 10
    ticket = open_ticket(customer=customer, department=department)
    t0 = started(ticket)
    assert kinds(sla_scan(now=t0 + 131 * MINUTE)) == [
        (Metric.PROGRESS, AlertKind.REMINDER), (Metric.PROGRESS, AlertKind.CUSTOMER_UPDATE)]
    SlaPolicy.objects.filter(name="Normal").update(progress_grace_minutes=500)
    forget_config()
    policy = next(p for p in load_config().policies if p.name == "Normal")
    assert grace_minutes(policy) == 60


def test_new_installations_get_customer_updates_existing_ones_keep_their_choice(
        customer, department):
    migration = __import__("destek.sla.migrations.0006_progress_reports",
                           fromlist=["enable_on_new_installations"])
    SlaPolicy.objects.update(progress_customer_update=False)
    migration.enable_on_new_installations(apps, None)
    assert set(SlaPolicy.objects.values_list("progress_customer_update", flat=True)) == {True}
    SlaPolicy.objects.update(progress_customer_update=False)
    open_ticket(customer=customer, department=department)
    migration.enable_on_new_installations(apps, None)
    assert set(SlaPolicy.objects.values_list("progress_customer_update", flat=True)) == {False}
