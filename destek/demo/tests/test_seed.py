"""`destek seed` writes data consistent with what the intake funnel would have produced."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min, Q
from rest_framework.authtoken.models import Token

from destek.accounts.models import Department, Role, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import OPEN_STATUSES, AuthorKind, Message, Status, Ticket

pytestmark = pytest.mark.django_db


def seed(tmp_path: Path, **options: object) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "fixture.json"
    call_command("seed", out=str(out), no_progress=True, password="bench-pass-123",
                 stdout=io.StringIO(), **options)
    return json.loads(out.read_text())


def test_seed_counts_and_consistency(tmp_path: Path) -> None:
    fixture = seed(tmp_path, tickets=60, customers=15, agents=4, departments=3, bench_customers=2)

    assert Ticket.objects.count() == 60
    assert Department.objects.count() == 3
    assert User.objects.filter(role=Role.CUSTOMER).count() == 15 + 2
    public = Message.objects.filter(is_internal=False)
    assert public.count() == fixture["counts"]["messages"] - Message.objects.filter(
        is_internal=True).count()
    first, last = fixture["ticket_ids"]
    assert (first, last) == tuple(Ticket.objects.aggregate(a=Min("id"), b=Max("id")).values())

    tickets = Ticket.objects.annotate(
        public=Count("messages", filter=Q(messages__is_internal=False)),
        last_public=Max("messages__created_at", filter=Q(messages__is_internal=False)),
        last_message=Max("messages__created_at"),
        last_customer=Max("messages__created_at",
                          filter=Q(messages__author_kind=AuthorKind.CUSTOMER)),
    )
    for ticket in tickets:
        assert ticket.message_count == ticket.public
        assert 1 <= ticket.public <= 20
        assert ticket.updated_at >= ticket.last_message
        assert ticket.last_customer_message_at == ticket.last_customer
        assert ticket.created_at <= ticket.updated_at
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            assert ticket.resolved_at is not None
        else:
            assert ticket.resolved_at is None and ticket.closed_at is None
        if ticket.status == Status.NEW:
            assert ticket.first_response_at is None
        assert ticket.events.filter(kind="created").count() == 1

    agent = User.objects.get(email=fixture["agent"]["email"])
    assert agent.check_password("bench-pass-123")
    assert Token.objects.get(user=agent).key == fixture["agent"]["token"]
    assert len(fixture["customers"]) == 2

    # The funnel's next ticket gets the next id: the id sequence was moved past the seed.
    customer = User.objects.get(email=fixture["customers"][0]["email"])
    ticket = open_ticket(customer=customer, department=Department.objects.first())
    assert ticket.pk == last + 1
    assert ticket.status in OPEN_STATUSES


def test_seed_refuses_a_database_with_tickets_unless_append(tmp_path: Path) -> None:
    seed(tmp_path, tickets=5, customers=3, agents=2, departments=2, bench_customers=1)
    with pytest.raises(CommandError):
        seed(tmp_path, tickets=5, customers=3, agents=2, departments=2, bench_customers=1)
    fixture = seed(tmp_path, tickets=7, customers=3, agents=2, departments=2, bench_customers=1,
                   append=True, messages_min=2, messages_max=2)
    assert Ticket.objects.count() == 12
    assert fixture["ticket_ids"][1] - fixture["ticket_ids"][0] == 6
    assert set(Ticket.objects.filter(pk__gte=fixture["ticket_ids"][0])
               .values_list("message_count", flat=True)) == {2}
