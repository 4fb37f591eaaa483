"""The queue filtered by the server or plan of the ticket's service (one click in the customer
panel): the same keyset pages and query count as any filter, in the desk and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from destek.api.tests.test_queries import LIST_QUERIES
from destek.desk.tests.test_query_counts import QUEUE_QUERIES, count_queries
from destek.hosting.factories import ServiceFactory
from destek.queues.selectors import QueueFilters, ticket_queue, ticket_queue_rows
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def hosted(customer, other_customer, department):  # type: ignore[no-untyped-def]
    """Tickets about services on web01 (Starter and Pro), on web02, and about none."""
    start = timezone.now() - timedelta(days=1)
    services = {
        "web01-starter": ServiceFactory(customer=customer, server="web01", plan="Starter"),
        "web01-pro": ServiceFactory(customer=other_customer, server="web01", plan="Pro"),
        "web02-starter": ServiceFactory(customer=customer, server="web02", plan="Starter"),
    }
    tickets: dict[str, list[Ticket]] = {name: [] for name in [*services, "none"]}
    n = 0
    for name in tickets:
        for _ in range(3):
            owner = services[name].customer if name in services else customer
            ticket = open_ticket(customer=owner, department=department, subject=f"{name} {n}",
                                 priority=Priority.HIGH if n % 2 else Priority.NORMAL)
            # Ties on updated_at, so the id breaks them across a page boundary.
            Ticket.objects.filter(pk=ticket.pk).update(
                service=services.get(name), updated_at=start + timedelta(minutes=n // 2))
            tickets[name].append(ticket)
            n += 1
    return tickets


def pks(tickets: list[Ticket]) -> set[int]:
    return {t.pk for t in tickets}


def walk(agent, filters: QueueFilters) -> list[int]:  # type: ignore[no-untyped-def]
    seen, cursor = [], None
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = ticket_queue_rows(actor=agent, filters=filters, cursor=cursor, limit=2)
        # The page (with its subquery), then the tags (none to read on an empty page).
        assert len(queries) == (2 if page.items else 1)
        seen += [row["id"] for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("sort", ["updated", "priority", "oldest", "deadline"])
def test_server_and_plan_pages_walk_every_matching_ticket_once(agent, hosted, sort):
    web01 = pks(hosted["web01-starter"] + hosted["web01-pro"])
    starter = pks(hosted["web01-starter"] + hosted["web02-starter"])
    for filters, expected in (
        (QueueFilters(queue="all", server="web01", sort=sort), web01),
        (QueueFilters(queue="all", plan="Starter", sort=sort), starter),
        (QueueFilters(queue="all", server="web01", plan="Starter", sort=sort),
         pks(hosted["web01-starter"])),
        (QueueFilters(queue="all", server="nowhere", sort=sort), set()),
    ):
        if sort == "deadline":
            seen = [row["id"] for row in ticket_queue_rows(actor=agent, filters=filters).items]
        else:
            seen = walk(agent, filters)
        assert len(seen) == len(set(seen)) and set(seen) == expected, filters
        assert {t.pk for t in ticket_queue(actor=agent, filters=filters).items} == expected


def test_the_filter_keeps_the_others_and_the_agent_s_scope(agent, outsourced, hosted):
    high = {t.pk for t in hosted["web01-starter"] + hosted["web01-pro"]
            if t.priority == Priority.HIGH}
    rows = ticket_queue_rows(actor=agent, filters=QueueFilters(
        queue="all", server="web01", priority=Priority.HIGH)).items
    assert {r["id"] for r in rows} == high
    # An outsourced agent (another department) sees none of them, filter or not.
    assert ticket_queue_rows(actor=outsourced, filters=QueueFilters(
        queue="all", server="web01")).items == []


def test_the_desk_queue_shows_chips_that_remove_the_filter(agent_client, hosted):
    response = agent_client.get(reverse("desk:queue"), {"queue": "all", "server": "web01",
                                                        "plan": "Pro"})
    html = response.content.decode()
    assert 'data-testid="chip-server"' in html and 'data-testid="chip-plan"' in html
    assert [t.subject in html for t in hosted["web01-pro"]] == [True] * 3
    assert not any(t.subject in html for t in hosted["web01-starter"] + hosted["none"])
    remove = html[html.index('data-testid="chip-server-remove"') - 200:]
    href = remove[remove.index('href="') + 6:]
    href = href[:href.index('"')].replace("&amp;", "&")
    assert "server=" not in href and "plan=Pro" in href
    # The filter form keeps the chips' filters when another filter is applied.
    assert '<input type="hidden" name="server" value="web01">' in html
    without = agent_client.get(reverse("desk:queue") + href).content.decode()
    assert 'data-testid="chip-server"' not in without and 'data-testid="chip-plan"' in without


def test_a_server_filter_costs_no_extra_query(agent_client, hosted):
    path = reverse("desk:queue")
    assert count_queries(agent_client, path, {"queue": "all", "server": "web01"}) \
        == QUEUE_QUERIES
    assert count_queries(agent_client, path, {"plan": "Starter", "sort": "priority"}) \
        == QUEUE_QUERIES


def test_a_name_longer_than_the_column_matches_nothing_and_does_not_fail(agent_client, hosted):
    response = agent_client.get(reverse("desk:queue"), {"queue": "all", "server": "x" * 5000})
    assert response.status_code == 200
    assert 'data-testid="chip-server"' not in response.content.decode()


def test_the_api_list_accepts_the_same_filters(agent, hosted):
    client = APIClient()
    client.force_authenticate(agent)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/tickets/", {"server": "web01", "plan": "Starter"})
    assert response.status_code == 200
    assert len(queries) == LIST_QUERIES
    assert {t["id"] for t in response.json()["results"]} == pks(hosted["web01-starter"])
    assert client.get("/api/v1/tickets/", {"server": "x" * 121}).status_code == 400
