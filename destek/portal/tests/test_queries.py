"""The list and the conversation run a fixed number of queries, however much there is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.portal.tests.conftest import inbound_file
from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket, reply

pytestmark = pytest.mark.django_db

# session + user + the page's own reads; a bound that is also the exact figure on SQLite.
# The SLA's "expect an answer by" is one query on each page (destek.portal.sla).
LIST_QUERIES = 3
DETAIL_QUERIES = 5
GUEST_DETAIL_QUERIES = 4


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_tickets(customer_client, customer, department,
                                               django_assert_max_num_queries):
    url = reverse("portal:ticket_list")
    open_ticket(customer=customer, department=department)
    few = count_queries(customer_client, url)
    for i in range(15):
        open_ticket(customer=customer, department=department, subject=f"Ticket {i}")
    many = count_queries(customer_client, url)
    assert few == many
    with django_assert_max_num_queries(LIST_QUERIES):
        customer_client.get(url)


def _grow_conversation(ticket, customer, agent, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        reply(ticket=ticket, author=agent, body=f"Agent answer {i}",
              attachments=(inbound_file(f"a{i}.txt"),))
        reply(ticket=ticket, author=customer, body=f"Customer follow-up {i}",
              channel="portal", attachments=(inbound_file(f"c{i}.txt"),))
        reply(ticket=ticket, author=agent, body=f"Note {i}", internal=True)


def test_detail_queries_do_not_grow_with_messages(customer_client, customer, agent, ticket,
                                                  django_assert_max_num_queries):
    url = reverse("portal:ticket_detail", args=[ticket.pk])
    few = count_queries(customer_client, url)
    _grow_conversation(ticket, customer, agent, 8)
    many = count_queries(customer_client, url)
    assert few == many
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = customer_client.get(url)
    assert response.content.decode().count('data-testid="message-body"') == 17


def test_guest_detail_queries_do_not_grow_with_messages(client, customer, agent, ticket,
                                                        django_assert_max_num_queries):
    url = reverse("portal:guest_ticket", args=[guest_token_for(ticket)])
    few = count_queries(client, url)
    _grow_conversation(ticket, customer, agent, 8)
    many = count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(GUEST_DETAIL_QUERIES):
        client.get(url)
