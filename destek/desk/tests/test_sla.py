"""SLAs in the desk: the queue's next-deadline column (countdown, colour), its sort (nulls
last, keyset pages) and filters, the live row refresh, and the ticket's SLA panel."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.desk.sla_presenters import countdown_labels, countdown_text
from destek.desk.tests.conftest import many_tickets
from destek.queues.selectors import QueueFilters, ticket_queue_rows
from destek.sla.models import AlertKind, Metric, SlaAlert, SlaCycle, TicketSla
from destek.sla.services.scan import sla_scan
from destek.sla.tests.policies import ensure_default_policies
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Priority, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _policies(db: None) -> None:
    ensure_default_policies()


def set_deadline(ticket: Ticket, due, *, warn=None, paused: bool = False) -> None:
    """Put a ticket's next deadline where a test wants it (the engine is tested in sla)."""
    TicketSla.objects.filter(ticket_id=ticket.pk).update(
        due_at=due, warn_at=warn, paused=paused, first_response_due=None,
        next_response_due=due, resolution_due=None)


def row_html(html: str, ticket: Ticket) -> str:
    match = re.search(rf'<tr id="queue-row-{ticket.pk}".*?</tr>', html, re.S)
    assert match, f"no row for {ticket.reference}"
    return match.group(0)


def queue_ids(client, **params) -> list[int]:
    html = client.get(reverse("desk:queue"), params).content.decode()
    return [int(pk) for pk in re.findall(r'<tr id="queue-row-(\d+)"', html)]


# --- the column -----------------------------------------------------------------------------


def test_countdown_text_matches_what_desk_js_builds():
    with translation.override("en"):
        labels = countdown_labels()
        assert countdown_text(125 * 60 + 30, labels) == "in 2 h 5 min"
        assert countdown_text(59, labels) == "in 0 min"
        assert countdown_text(-(26 * 60 + 1) * 60, labels) == "1 d 2 h overdue"
        assert countdown_text(3 * 60 * 60, labels) == "in 3 h"
    with translation.override("tr"):
        assert countdown_text(125 * 60 + 30, countdown_labels()) == "2 sa 5 dk içinde"


def test_queue_shows_the_next_deadline_with_a_colour_per_level(agent_client, customer,
                                                               department):
    ok, at_risk, breached, paused, none = many_tickets(5, customer=customer,
                                                       department=department)
    now = timezone.now()
    set_deadline(ok, now + 2 * HOUR + 5 * MINUTE + 30 * timedelta(seconds=1),
                 warn=now + HOUR)
    set_deadline(at_risk, now + 10 * MINUTE + 30 * timedelta(seconds=1), warn=now - MINUTE)
    set_deadline(breached, now - 3 * HOUR, warn=now - 4 * HOUR)
    set_deadline(paused, None, paused=True)
    set_deadline(none, None)
    html = agent_client.get(reverse("desk:queue"), {"queue": "open"}).content.decode()

    cell = row_html(html, ok)
    assert 'data-sla-level="ok"' in cell
    due = timezone.localtime(TicketSla.objects.get(ticket_id=ok.pk).due_at)
    assert f'datetime="{due.isoformat()}"' in cell
    assert ">in 2 h 5 min</time>" in cell
    assert 'title="Next response due' in cell
    assert 'data-sla-level="at_risk"' in row_html(html, at_risk)
    assert "text-warning-emphasis" in row_html(html, at_risk)
    breached_row = row_html(html, breached)
    assert 'data-sla-level="breached"' in breached_row and "text-danger" in breached_row
    assert "3 h overdue" in breached_row
    paused_row = row_html(html, paused)
    assert 'data-sla-level="paused"' in paused_row and ">Paused</span>" in paused_row
    assert 'data-sla-level="none"' in row_html(html, none)
    assert "sla-countdown" not in row_html(html, none)
    # desk.js rewords countdowns from these translated pieces, without requests.
    assert 'data-label-due-in="in {time}"' in html
    assert 'data-label-hours="{n} h"' in html


def test_the_column_is_translated(agent_client, agent, customer, department):
    agent_client.cookies["django_language"] = "tr"
    ticket = open_ticket(customer=customer, department=department)
    set_deadline(ticket, timezone.now() - 2 * HOUR - 30 * timedelta(seconds=1))
    html = agent_client.get(reverse("desk:queue")).content.decode()
    assert "2 sa gecikti" in row_html(html, ticket)
    assert "Sonraki hedef süre" in html


def test_live_refresh_rows_carry_the_same_column(agent_client, customer, department):
    ticket = open_ticket(customer=customer, department=department)
    set_deadline(ticket, timezone.now() - HOUR)
    rows = agent_client.get(reverse("desk:queue_rows")).content.decode()
    page = agent_client.get(reverse("desk:queue")).content.decode()
    assert row_html(rows, ticket) == row_html(page, ticket)
    assert 'data-sla-level="breached"' in row_html(rows, ticket)


# --- sort and filters -----------------------------------------------------------------------


def test_deadline_sort_puts_the_nearest_first_and_tickets_without_one_last(
        agent_client, customer, department):
    tickets = many_tickets(7, customer=customer, department=department)
    now = timezone.now()
    order = [3, 0, 5, 1]  # these get deadlines, nearest first; 2, 4, 6 get none
    for rank, i in enumerate(order):
        set_deadline(tickets[i], now + (rank + 1) * HOUR)
    set_deadline(tickets[2], None, paused=True)
    set_deadline(tickets[4], None)
    set_deadline(tickets[6], None)
    expected = [tickets[i].pk for i in order] + sorted(t.pk for t in (tickets[2], tickets[4],
                                                                       tickets[6]))
    assert queue_ids(agent_client, sort="deadline") == expected


@pytest.mark.parametrize("with_deadline", [2, 3, 5])
def test_deadline_sort_keyset_pages_cross_into_the_tickets_without_one(
        agent, customer, department, with_deadline):
    """Pages of 2: every ticket exactly once, in order, across the boundary between the
    tickets with a deadline and those without."""
    tickets = many_tickets(6, customer=customer, department=department)
    now = timezone.now()
    same = now + HOUR  # ties on the deadline are broken by id
    for i, t in enumerate(tickets):
        set_deadline(t, (same if i < 2 else now + i * HOUR) if i < with_deadline else None)
    seen: list[int] = []
    cursor = None
    for _page in range(5):
        page = ticket_queue_rows(actor=agent, filters=QueueFilters(sort="deadline"),
                                 cursor=cursor, limit=2)
        seen += [row["id"] for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [t.pk for t in tickets]


def test_filters_breached_and_at_risk(agent_client, customer, department):
    ok, at_risk, breached, none = many_tickets(4, customer=customer, department=department)
    now = timezone.now()
    set_deadline(ok, now + 5 * HOUR, warn=now + 4 * HOUR)
    set_deadline(at_risk, now + 20 * MINUTE, warn=now - MINUTE)
    set_deadline(breached, now - MINUTE, warn=now - HOUR)
    set_deadline(none, None)
    assert queue_ids(agent_client, sla="breached") == [breached.pk]
    assert queue_ids(agent_client, sla="at_risk") == [at_risk.pk]
    assert queue_ids(agent_client, sla="nonsense", sort="deadline") == [
        breached.pk, at_risk.pk, ok.pk, none.pk]
    html = agent_client.get(reverse("desk:queue"), {"sla": "at_risk"}).content.decode()
    assert '<option value="at_risk" selected>' in html


def test_real_deadlines_from_the_engine_sort_critical_first(agent_client, customer,
                                                            department):
    normal = open_ticket(customer=customer, department=department)
    critical = open_ticket(customer=customer, department=department,
                           priority=Priority.CRITICAL)
    assert queue_ids(agent_client, sort="deadline") == [critical.pk, normal.pk]
    html = agent_client.get(reverse("desk:queue"), {"sort": "deadline"}).content.decode()
    assert 'title="First response due' in row_html(html, critical)


# --- the ticket's SLA panel -----------------------------------------------------------------


def panel_html(client, ticket: Ticket) -> str:
    """The SLA panel as the ticket page prints it, in its first response."""
    html = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    match = re.search(r'<section class="card" id="sla-panel" data-testid="sla-panel">(.*?)'
                      r'</section>', html, re.S)
    assert match, "no SLA panel in the ticket page"
    return match.group(1)


def test_ticket_page_renders_the_panel_without_a_second_request(agent_client, ticket):
    html = agent_client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert reverse("desk:ticket_sla", args=[ticket.pk]) not in html  # no hx-get on load
    assert 'data-testid="sla-panel-body"' in panel_html(agent_client, ticket)


@pytest.mark.parametrize("language", ["en", "tr"])
def test_panel_in_the_page_is_the_standalone_panel(agent_client, agent, ticket, language):
    """The same values, words and deadline as `ticket_sla` serves, in either language."""
    agent_client.cookies["django_language"] = language
    ticket_update(actor=agent, ticket=ticket, assignee=agent)
    due = timezone.now().replace(microsecond=0) + 2 * HOUR + 5 * MINUTE
    set_deadline(ticket, due, warn=due - 45 * MINUTE)
    SlaAlert.objects.create(ticket=ticket, metric=Metric.NEXT_RESPONSE,
                            kind=AlertKind.WARNING, cycle=0, recipients=[agent.pk])
    now = due - 2 * HOUR - 5 * MINUTE + 30 * timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=now):
        in_page = panel_html(agent_client, ticket)
        alone = agent_client.get(reverse("desk:ticket_sla", args=[ticket.pk])).content.decode()
    assert in_page.strip() == alone.strip()
    running = re.search(r'data-testid="sla-running-next_response".*?</li>', in_page, re.S)
    assert running is not None
    with translation.override(language):
        countdown = countdown_text(int((due - now).total_seconds()), countdown_labels())
    assert countdown == {"en": "in 2 h 4 min", "tr": "2 sa 4 dk içinde"}[language]
    assert f">{countdown}</time>" in running.group(0)
    shown = re.search(r'<time class="sla-countdown[^"]*" datetime="([^"]+)"', running.group(0))
    assert shown is not None and datetime.fromisoformat(shown.group(1)) == due  # the deadline
    assert 'data-sla-level="ok"' in running.group(0)
    assert agent.display_name in in_page  # who the warning went to
    words = {"en": ("Next response", "Alerts sent"), "tr": ("Sonraki yanıt", "Gönderilen uyarılar")}
    assert all(word in in_page for word in words[language])


def test_panel_shows_policy_targets_met_breached_paused_and_alerts(
        agent_client, agent, customer, department):
    supervisor = AgentFactory(full_name="Sema Supervisor")
    MembershipFactory(department=department, agent=supervisor)
    department.supervisor = supervisor
    department.save(update_fields=["supervisor"])
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    ticket_update(actor=agent, ticket=ticket, assignee=agent)
    t0 = Ticket.objects.get(pk=ticket.pk).created_at
    sla_scan(now=t0 + 46 * MINUTE)  # warning to the assignee
    reply(ticket=ticket, author=agent, body="Looking into it")  # first response met
    SlaCycle.objects.create(ticket=ticket, metric=Metric.NEXT_RESPONSE, cycle=9,
                            target_minutes=60, started_at=t0, due_at=t0 + HOUR,
                            completed_at=t0 + HOUR + 90 * MINUTE, breached=True,
                            paused_seconds=600)
    html = panel_html(agent_client, ticket)
    assert 'data-testid="sla-policy">Critical<' in html
    assert re.search(r'data-testid="sla-target-first_response">\s*1 h<', html)
    assert re.search(r'data-testid="sla-target-next_response">\s*1 d<', html)
    assert 'data-testid="sla-ended-first_response" data-breached="0"' in html
    assert 'data-testid="sla-ended-next_response" data-breached="1"' in html
    assert "breached by 1 h 30 min" in html
    assert "paused 10 min" in html
    assert 'data-testid="sla-alert-warning"' in html
    assert "Warning before breach" in html and agent.display_name in html
    assert 'data-testid="sla-running-resolution"' in html  # still running, with a countdown
    assert SlaAlert.objects.filter(ticket=ticket, kind=AlertKind.WARNING).count() == 1


def test_panel_running_target_countdown_and_paused(agent_client, agent, ticket):
    html = panel_html(agent_client, ticket)
    assert 'data-testid="sla-running-next_response" data-sla-level="ok"' in html
    assert 'class="sla-countdown' in html
    ticket_update(actor=agent, ticket=ticket, status="pending")  # waits for the customer
    html = panel_html(agent_client, ticket)
    assert 'data-testid="sla-paused"' in html
    assert "sla-running-" not in html


def test_panel_in_turkish(agent_client, ticket):
    agent_client.cookies["django_language"] = "tr"
    html = panel_html(agent_client, ticket)
    assert "Sonraki yanıt" in html and "Gönderilen uyarılar" in html


def test_panel_without_sla(agent_client, ticket):
    TicketSla.objects.filter(ticket_id=ticket.pk).delete()
    assert 'data-testid="sla-none"' in panel_html(agent_client, ticket)
    html = agent_client.get(reverse("desk:ticket_sla", args=[ticket.pk])).content.decode()
    assert 'data-testid="sla-none"' in html


def test_panel_goes_through_the_access_check(outsourced_client, customer_client, ticket):
    url = reverse("desk:ticket_sla", args=[ticket.pk])
    assert outsourced_client.get(url).status_code == 404  # not their department
    assert customer_client.get(url).status_code in (302, 403, 404)
