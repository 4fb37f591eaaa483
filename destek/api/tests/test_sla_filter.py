"""The ticket list's SLA filter (`?sla=breached|at_risk`), as in the desk: agents only, any
queue, sort and other filter, with the list's fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from destek.api.tests.test_queries import LIST_QUERIES, count_queries
from destek.sla.models import TicketSla
from destek.sla.tests.policies import ensure_default_policies
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"
MINUTE = timedelta(minutes=1)


@pytest.fixture
def deadlines(customer, department) -> dict[str, Ticket]:  # type: ignore[no-untyped-def]
    """One ticket per SLA level: breached (two, an hour apart), at risk, fine, paused."""
    ensure_default_policies()
    now = timezone.now()
    levels = {
        "breached_early": (now - 60 * MINUTE, now - 90 * MINUTE),
        "breached_late": (now - MINUTE, now - 30 * MINUTE),
        "at_risk": (now + 10 * MINUTE, now - 5 * MINUTE),
        "fine": (now + 5 * 60 * MINUTE, now + 60 * MINUTE),
        "paused": (None, None),
    }
    tickets = {}
    for name, (due, warn) in levels.items():
        ticket = open_ticket(customer=customer, department=department, subject=name)
        TicketSla.objects.filter(ticket_id=ticket.pk).update(due_at=due, warn_at=warn,
                                                             paused=due is None)
        tickets[name] = ticket
    return tickets


def ids(client, **params) -> list[int]:  # type: ignore[no-untyped-def]
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["results"]]


def test_agents_filter_breached_and_at_risk_tickets(as_user, agent, deadlines):
    client = as_user(agent)
    breached = {deadlines["breached_early"].pk, deadlines["breached_late"].pk}
    assert set(ids(client, sla="breached")) == breached
    assert ids(client, sla="at_risk") == [deadlines["at_risk"].pk]
    # By deadline: the longest overdue first.
    assert ids(client, sla="breached", sort="deadline") == [
        deadlines["breached_early"].pk, deadlines["breached_late"].pk]
    assert len(ids(client)) == len(deadlines)  # no filter: every ticket


def test_the_filter_combines_with_the_others(as_user, agent, deadlines):
    client = as_user(agent)
    ticket_update(actor=agent, ticket=deadlines["breached_late"], assignee=agent)
    assert ids(client, sla="breached", assignee="me") == [deadlines["breached_late"].pk]
    assert ids(client, sla="breached", assignee="none") == [deadlines["breached_early"].pk]
    assert ids(client, sla="at_risk", q="at_risk") == [deadlines["at_risk"].pk]
    assert ids(client, sla="at_risk", q="fine") == []


def test_a_closed_ticket_is_never_breached(as_user, agent, deadlines):
    ticket_update(actor=agent, ticket=deadlines["breached_early"], status="closed")
    assert ids(as_user(agent), sla="breached") == [deadlines["breached_late"].pk]


def test_customers_cannot_filter_by_sla(as_user, customer, deadlines):
    response = as_user(customer).get(LIST, {"sla": "breached"})
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "sla"


def test_an_unknown_level_is_a_bad_request(as_user, agent, deadlines):
    response = as_user(agent).get(LIST, {"sla": "late"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "sla"


def test_the_filter_keeps_the_query_count(as_user, agent, customer, department, deadlines):
    client = as_user(agent)
    few = count_queries(client, LIST, sla="breached")
    for i in range(20):
        ticket = open_ticket(customer=customer, department=department, subject=f"Late {i}")
        TicketSla.objects.filter(ticket_id=ticket.pk).update(
            due_at=timezone.now() - i * MINUTE, warn_at=timezone.now() - 60 * MINUTE)
    many = count_queries(client, LIST, sla="breached")
    assert few == many == LIST_QUERIES
    # Sorted by deadline, the rows without one come from a second range (keyset pages).
    assert count_queries(client, LIST, sla="at_risk", sort="deadline") == LIST_QUERIES + 1


def test_the_schema_documents_the_filter(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"][LIST]["get"]["parameters"]
    [sla] = [p for p in parameters if p["name"] == "sla"]
    assert set(sla["schema"]["enum"]) == {"breached", "at_risk"}
