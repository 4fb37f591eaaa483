"""The candidate tickets of inbound emails: one statement, relations loaded with them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.mail.candidates import tickets_by_id
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_tickets_come_by_id_once_each_with_their_relations(
        customer, other_customer, department, agent):
    first = open_ticket(customer=customer, department=department)
    second = open_ticket(customer=other_customer, department=department)
    Ticket.objects.filter(pk=second.pk).update(assignee=agent)
    with CaptureQueriesContext(connection) as captured:
        by_id = tickets_by_id([second.pk, 999_999_999, first.pk, second.pk])
        found = [by_id[second.pk], by_id[first.pk]]
        seen = [(t.pk, t.department, t.customer, t.assignee) for t in found]
    assert len(captured) == 1
    assert sorted(by_id) == sorted([first.pk, second.pk])
    assert seen == [(second.pk, department, other_customer, agent),
                    (first.pk, department, customer, None)]
    # The same values the ORM reads, field by field.
    for ticket in found:
        loaded = Ticket.objects.get(pk=ticket.pk)
        assert {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields} \
            == {f.attname: getattr(loaded, f.attname) for f in Ticket._meta.concrete_fields}
    assert not found[0]._state.adding  # saved as an update, like an ORM-loaded row


def test_no_ids_no_query():
    with CaptureQueriesContext(connection) as captured:
        assert tickets_by_id([]) == {}
    assert len(captured) == 0
