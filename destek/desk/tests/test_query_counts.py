"""The hot desk pages run a fixed number of queries whatever the data size (no N+1).

Counts (sessions are cached, so no session query):
  queue      : user, tickets, their tags                                       = 3
  queue rows : user, tickets, their tags                                       = 3
  sorted by next deadline: the tickets with a deadline, then those without     + 1
  (the SLA column reads the ticket row and its SLA row in the tickets query: + 0)
  SLA panel  : user, ticket, its SLA row, ended targets, alerts sent           = 5
  ticket     : user, the ticket with its SLA row, messages, attachments (only
               when a message has some), events, tags, the customer panel
               (services, value, open tickets, history: tickets, chats), the
               SLA panel in the same page: ended targets, alerts sent, and its
               followers and related tickets, the incidents (status.links), the
               customer's ratings and whether they are at risk (one query; the
               ticket's own rating comes with the ticket row)                 = 17
               (no attachments: one fewer; no SLA row: nothing more to read)  = 14
               a note with an "@" in it: the mentions to highlight             + 1
Departments, colleagues and canned responses come from the per-process options snapshot
(destek.desk.choices): the first page after one of them changed reloads it with
SNAPSHOT_QUERIES more (departments, colleagues, memberships, canned responses).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.accounts.factories import AgentFactory, CustomerFactory, MembershipFactory
from destek.desk import choices
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import CannedResponse
from destek.tickets.services.changes import ticket_update
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db

QUEUE_QUERIES = 3
ROWS_QUERIES = 3
# +1 each: the incidents the ticket is part of or may be linked to (status.link_panels),
# +1 each: the customer's ratings and whether they are at risk (feedback.selectors).
TICKET_QUERIES = 17
TICKET_WITHOUT_ATTACHMENTS_QUERIES = 16
TICKET_WITHOUT_SLA_QUERIES = 14
MENTION_QUERIES = 1
SNAPSHOT_QUERIES = 4
DEADLINE_SORT_QUERIES = 1
SEARCH_QUERIES = 2  # a word's customers, then its subjects (queues.selectors._search_condition)
SLA_PANEL_QUERIES = 5


def count_queries(client, path: str, params: dict | None = None) -> int:
    """Queries of a page once the options snapshot is loaded (a first call loads it)."""
    client.get(path, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def varied_tickets(n: int, *, agent, department) -> None:
    """Tickets with distinct customers, assignees and tags, so any lazy load would show."""
    for i in range(n):
        customer = CustomerFactory()
        colleague = AgentFactory()
        MembershipFactory(department=department, agent=colleague)
        ticket = open_ticket(customer=customer, department=department, subject=f"Ticket {i}")
        ticket_update(actor=agent, ticket=ticket, assignee=colleague, tags=[f"t{i}", "common"])


@pytest.mark.parametrize("path_name, expected", [("desk:queue", QUEUE_QUERIES),
                                                 ("desk:queue_rows", ROWS_QUERIES)])
def test_queue_queries_do_not_grow(agent_client, agent, department, path_name, expected,
                                   django_assert_num_queries):
    path = reverse(path_name)
    varied_tickets(3, agent=agent, department=department)
    small = count_queries(agent_client, path, {"queue": "all"})
    varied_tickets(27, agent=agent, department=department)
    large = count_queries(agent_client, path, {"queue": "all"})
    assert small == large == expected
    agent_client.get(path, {"queue": "all", "q": "Ticket", "sort": "priority"})
    with django_assert_num_queries(expected + SEARCH_QUERIES):
        agent_client.get(path, {"queue": "all", "q": "Ticket", "sort": "priority"})


@pytest.mark.parametrize("path_name, expected", [("desk:queue", QUEUE_QUERIES),
                                                 ("desk:queue_rows", ROWS_QUERIES)])
@pytest.mark.parametrize("params, extra", [
    ({"sort": "deadline"}, DEADLINE_SORT_QUERIES),
    ({"sla": "breached"}, 0),
    ({"sla": "at_risk", "sort": "deadline"}, DEADLINE_SORT_QUERIES),
])
def test_sla_sort_and_filters_keep_the_count(agent_client, agent, department, path_name,
                                             expected, params, extra):
    from django.utils import timezone

    from destek.sla.models import TicketSla
    from destek.tickets.models import Ticket

    def set_deadlines() -> None:
        """Deadlines on most, breached and at risk among them (20 min apart, warned 45 min
        before), none on every third."""
        now = timezone.now()
        for i, pk in enumerate(Ticket.objects.order_by("id").values_list("id", flat=True)):
            due = now + timezone.timedelta(minutes=(i % 5 - 1) * 20) if i % 3 else None
            warn = due - timezone.timedelta(minutes=45) if due else None
            TicketSla.objects.filter(ticket_id=pk).update(due_at=due, warn_at=warn)

    path = reverse(path_name)
    params = {"queue": "all", **params}
    varied_tickets(5, agent=agent, department=department)
    set_deadlines()
    small = count_queries(agent_client, path, params)
    varied_tickets(27, agent=agent, department=department)
    set_deadlines()
    assert count_queries(agent_client, path, params) == small == expected + extra


def test_sla_panel_queries_do_not_grow(agent_client, agent, customer, department):
    from destek.sla.models import AlertKind, Metric, SlaAlert, SlaCycle

    ticket = open_ticket(customer=customer, department=department)
    path = reverse("desk:ticket_sla", args=[ticket.pk])
    small = count_queries(agent_client, path)
    for i in range(10):
        SlaCycle.objects.create(ticket=ticket, metric=Metric.NEXT_RESPONSE, cycle=i,
                                target_minutes=60, started_at=ticket.created_at,
                                due_at=ticket.created_at, completed_at=ticket.created_at,
                                breached=i % 2 == 0)
        SlaAlert.objects.create(ticket=ticket, metric=Metric.NEXT_RESPONSE,
                                kind=AlertKind.BREACH, cycle=i, recipients=[agent.pk])
    assert count_queries(agent_client, path) == small == SLA_PANEL_QUERIES


def test_outsourced_queue_queries_do_not_grow(outsourced_client, agent, other_department):
    path = reverse("desk:queue")
    varied_tickets(3, agent=agent, department=other_department)
    small = count_queries(outsourced_client, path)
    varied_tickets(27, agent=agent, department=other_department)
    assert count_queries(outsourced_client, path) == small == QUEUE_QUERIES


def test_ticket_view_queries_do_not_grow(agent_client, agent, customer, department,
                                         django_assert_num_queries):
    from destek.sla.models import AlertKind, Metric, SlaAlert, SlaCycle, TicketSla
    from destek.sla.tests.policies import ensure_default_policies

    ensure_default_policies()
    ticket = open_ticket(customer=customer, department=department)
    assert TicketSla.objects.filter(ticket_id=ticket.pk).exists()
    CannedResponse.objects.create(title="Hi", body="Hello {customer_name}")
    path = reverse("desk:ticket", args=[ticket.pk])

    def add_messages(n: int) -> None:
        first = SlaCycle.objects.filter(ticket=ticket).count()
        for i in range(first, first + n):
            colleague = AgentFactory()
            files = (InboundFile(name=f"f{i}.txt", content=b"x", content_type="text/plain"),)
            reply(ticket=ticket, author=colleague, body=f"reply {i}", internal=i % 2 == 1,
                  attachments=files)
            open_ticket(customer=customer, department=department, subject=f"Other {i}")
            ticket_update(actor=colleague, ticket=ticket, tags=[f"t{i}"])
            SlaCycle.objects.create(ticket=ticket, metric=Metric.NEXT_RESPONSE, cycle=100 + i,
                                    target_minutes=60, started_at=ticket.created_at,
                                    due_at=ticket.created_at, completed_at=ticket.created_at,
                                    breached=i % 2 == 0)
            SlaAlert.objects.create(ticket=ticket, metric=Metric.NEXT_RESPONSE,
                                    kind=AlertKind.BREACH, cycle=100 + i,
                                    recipients=[colleague.pk])

    add_messages(2)
    small = count_queries(agent_client, path)
    add_messages(18)
    agent_client.get(path)
    with django_assert_num_queries(TICKET_QUERIES):
        response = agent_client.get(path)
    assert small == TICKET_QUERIES
    page = response.content.decode()
    assert page.count('data-testid="sla-ended-next_response"') >= 20
    assert len(set(re.findall(r"f\d+\.txt", page))) == 20  # every reply's attachment


def test_a_ticket_without_attachments_does_not_read_them(agent_client, customer, department):
    from destek.sla.models import TicketSla
    from destek.sla.tests.policies import ensure_default_policies

    ensure_default_policies()
    ticket = open_ticket(customer=customer, department=department)
    reply(ticket=ticket, author=AgentFactory(), body="no files")
    assert TicketSla.objects.filter(ticket_id=ticket.pk).exists()
    path = reverse("desk:ticket", args=[ticket.pk])
    assert count_queries(agent_client, path) == TICKET_WITHOUT_ATTACHMENTS_QUERIES


def test_ticket_view_without_an_sla_reads_no_query_for_it(agent_client, ticket):
    from destek.sla.models import TicketSla

    TicketSla.objects.filter(ticket_id=ticket.pk).delete()
    path = reverse("desk:ticket", args=[ticket.pk])
    assert count_queries(agent_client, path) == TICKET_WITHOUT_SLA_QUERIES


def test_options_snapshot_reloads_once_after_a_change(agent_client, agent, ticket,
                                                      django_assert_num_queries):
    path = reverse("desk:queue")
    agent_client.get(path)
    with django_assert_num_queries(QUEUE_QUERIES):
        agent_client.get(path)
    CannedResponse.objects.create(title="Hello", body="Hi {customer_name}")
    choices.bump()  # as the admin, which writes them, does
    with django_assert_num_queries(QUEUE_QUERIES + SNAPSHOT_QUERIES):
        agent_client.get(path)
    with django_assert_num_queries(QUEUE_QUERIES):
        agent_client.get(path)


def test_a_customer_in_an_organization_costs_no_extra_query(agent_client, ticket):
    """The customer card names the organization: it comes with the ticket's one read."""
    from destek.accounts.models import Organization
    from destek.sla.models import TicketSla

    TicketSla.objects.filter(ticket_id=ticket.pk).delete()
    ticket.customer.organization = Organization.objects.create(name="Anadolu Hosting")
    ticket.customer.save()
    path = reverse("desk:ticket", args=[ticket.pk])
    agent_client.get(path)
    assert count_queries(agent_client, path) == TICKET_WITHOUT_SLA_QUERIES
    assert "Anadolu Hosting" in agent_client.get(path).content.decode()


def test_followers_links_and_mentions_do_not_grow(agent_client, agent, customer, department):
    """Followers and related tickets, one query each; the mentions to highlight, one query
    when a note has an "@"; whatever their number."""
    from destek.sla.models import TicketSla
    from destek.tickets.services.followers import ticket_follow
    from destek.tickets.services.links import ticket_link

    ticket = open_ticket(customer=customer, department=department)
    TicketSla.objects.filter(ticket_id=ticket.pk).delete()
    path = reverse("desk:ticket", args=[ticket.pk])

    def add(n: int) -> None:
        for i in range(n):
            colleague = AgentFactory()
            ticket_follow(actor=colleague, ticket=ticket)
            other = open_ticket(customer=customer, department=department, subject=f"R{i}")
            ticket_link(actor=agent, ticket=ticket, other_id=other.pk)
            reply(ticket=ticket, author=agent, internal=True, body=f"@{colleague.email} look")
            TicketSla.objects.filter(ticket_id=ticket.pk).delete()

    add(1)
    small = count_queries(agent_client, path)
    add(9)
    page = agent_client.get(path).content.decode()
    assert count_queries(agent_client, path) == small == (TICKET_WITHOUT_SLA_QUERIES
                                                          + MENTION_QUERIES)
    assert page.count('data-testid="follower"') == 10
    assert page.count('data-testid="mention"') == 10
    assert page.count('data-testid="link-T-') == 10


@pytest.fixture(autouse=True)
def _snapshot_outlives_the_test(monkeypatch):
    """A loaded machine can take longer than SNAPSHOT_TTL between two counts of one test; the
    reload's extra queries would then look like growth. The TTL itself is tested in
    test_choices.py."""
    monkeypatch.setattr(choices, "SNAPSHOT_TTL", 3600.0)
