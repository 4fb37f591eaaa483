"""Queue search: the same tickets whichever way a word is matched (the bounded lookups of
customers and subjects first, or the plain conditions for a common word), in queue order,
across pages."""

from __future__ import annotations

import pytest

from destek.accounts.factories import CustomerFactory
from destek.queues import selectors
from destek.queues.selectors import QueueFilters, ticket_queue_rows
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def walk(agent, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    seen, cursor = [], None
    while True:
        page = ticket_queue_rows(actor=agent, filters=QueueFilters(queue="all", search=text),
                                 cursor=cursor, limit=2)
        seen += [row["id"] for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.fixture
def tickets(customer, department):  # type: ignore[no-untyped-def]
    ayse = CustomerFactory(full_name="Ayşe Kaya", email="ayse@example.com")
    kaya = CustomerFactory(full_name="Mehmet Kaya", email="mk@example.com")
    made = {
        "ssl1": open_ticket(customer=customer, department=department, subject="SSL renewal"),
        "ayse": open_ticket(customer=ayse, department=department, subject="Invoice"),
        "ssl2": open_ticket(customer=customer, department=department, subject="ssl expired"),
        "kaya": open_ticket(customer=kaya, department=department, subject="DNS"),
        "other": open_ticket(customer=customer, department=department, subject="Disk quota"),
    }
    return {name: t.pk for name, t in made.items()}


@pytest.mark.parametrize("bounds", [(200, 500), (1, 1)], ids=["bounded lookups", "common word"])
def test_search_finds_the_same_tickets_either_way(agent, tickets, monkeypatch, bounds):
    monkeypatch.setattr(selectors, "SEARCH_CUSTOMERS", bounds[0])
    monkeypatch.setattr(selectors, "SEARCH_SUBJECTS", bounds[1])
    newest_first = sorted(tickets.values(), reverse=True)
    assert walk(agent, "ssl") == [pk for pk in newest_first
                                  if pk in (tickets["ssl1"], tickets["ssl2"])]
    assert walk(agent, "kaya") == [pk for pk in newest_first
                                   if pk in (tickets["ayse"], tickets["kaya"])]
    assert walk(agent, "ayse@example.com") == [tickets["ayse"]]
    assert walk(agent, "mk") == [tickets["kaya"]]  # the beginning of an address
    assert walk(agent, "nothing like it") == []
    assert walk(agent, f"T-{100000 + tickets['other']}") == [tickets["other"]]


def test_an_outsourced_agent_finds_only_what_they_may_see(outsourced, tickets):  # type: ignore[no-untyped-def]
    assert walk(outsourced, "ssl") == []
