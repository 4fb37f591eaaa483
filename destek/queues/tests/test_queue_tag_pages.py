"""A tag's queue pages are chosen on the tickets alone, then joined (keyset_page's
`preselect`): the same rows, order and cursors as any other filter, and the same queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destek.queues.selectors import QueueFilters, ticket_queue, ticket_queue_rows
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Tag, Ticket

pytestmark = pytest.mark.django_db


def test_tag_pages_walk_every_tagged_ticket_once_in_order(agent, customer, department):
    vip, other = Tag.objects.create(name="vip"), Tag.objects.create(name="other")
    start = timezone.now() - timedelta(days=1)
    tickets = []
    for n in range(7):
        ticket = open_ticket(customer=customer, department=department, subject=f"T{n}",
                             priority=Priority.HIGH if n % 2 else Priority.LOW)
        # Ties on updated_at for some, so the id breaks them across a page boundary.
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=start + timedelta(minutes=n // 2))
        ticket.tags.add(vip if n != 3 else other)
        tickets.append(ticket)
    tagged = [t.pk for t in tickets if t.pk != tickets[3].pk]

    for sort, key in (("updated", lambda t: (t.updated_at, t.pk)),
                      ("priority", lambda t: (t.priority, t.updated_at, t.pk))):
        expected = [t.pk for t in sorted(Ticket.objects.filter(pk__in=tagged), key=key,
                                         reverse=True)]
        filters = QueueFilters(queue="all", tag="vip", sort=sort)
        seen, cursor = [], None
        while True:
            with CaptureQueriesContext(connection) as queries:
                page = ticket_queue_rows(actor=agent, filters=filters, cursor=cursor, limit=2)
            assert len(queries) == 2  # the page (with its subquery), then the tags
            seen += [row["id"] for row in page.items]
            assert all(row["tag_names"] == ["vip"] for row in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected, sort
        as_models = ticket_queue(actor=agent, filters=filters, limit=10)
        assert [t.pk for t in as_models.items] == expected


def test_tag_filter_keeps_the_other_filters(agent, customer, department):
    tag = Tag.objects.create(name="vip")
    low = open_ticket(customer=customer, department=department, priority=Priority.LOW)
    high = open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    for ticket in (low, high):
        ticket.tags.add(tag)
    page = ticket_queue_rows(actor=agent, filters=QueueFilters(queue="all", tag="vip",
                                                               priority=Priority.HIGH))
    assert [row["id"] for row in page.items] == [high.pk]
