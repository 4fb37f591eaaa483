"""Issue 14: `destek seed` data looks like a hosting desk's (open share, customers who come
back, message sizes), and the desk's pages work on it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import statistics
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from destek.accounts.models import User
from destek.sla.models import TicketSla
from destek.tickets.models import OPEN_STATUSES, AuthorKind, Channel, Message, Status, Ticket

pytestmark = pytest.mark.django_db


def seed(tmp_path: Path, **options: Any) -> dict[str, Any]:
    out = tmp_path / "fixture.json"
    options = {"agents": 4, "departments": 3, "bench_customers": 2, **options}
    call_command("seed", out=str(out), no_progress=True, password="bench-pass-123",
                 stdout=io.StringIO(), **options)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


@pytest.mark.parametrize("share", [0.0, 0.05, 0.35, 1.0])
def test_the_open_share_is_honoured(tmp_path: Path, share: float) -> None:
    fixture = seed(tmp_path, tickets=120, open_share=share)

    unresolved = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    assert unresolved == round(share * 120)
    data = fixture["data"]
    assert (data["open_share"], data["unresolved"]) == (share, unresolved)
    assert data["by_status"] == dict(Ticket.objects.values_list("status").annotate(
        n=Count("id")).values_list("status", "n")) | {
        s: 0 for s in Status.values if not Ticket.objects.filter(status=s).exists()}
    assert fixture["counts"]["by_status"] == data["by_status"]  # what the runner copies
    assert set(fixture["open_ticket_ids"]) == set(
        Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))


def test_finished_tickets_have_plausible_times_and_open_ones_an_sla_clock(
        tmp_path: Path) -> None:
    seed(tmp_path, tickets=150, open_share=0.35)

    for ticket in Ticket.objects.exclude(status__in=OPEN_STATUSES):
        assert ticket.resolved_at is not None
        assert ticket.created_at <= ticket.resolved_at <= ticket.updated_at
        if ticket.status == Status.CLOSED:
            assert ticket.resolved_at <= ticket.closed_at <= ticket.updated_at  # type: ignore[operator]
        if ticket.first_response_at is not None:
            assert ticket.created_at <= ticket.first_response_at <= ticket.resolved_at
    answered = Ticket.objects.filter(status=Status.RESOLVED, first_response_at__isnull=False)
    assert answered.exists()
    # The queue's deadline column and sort read TicketSla: every unresolved ticket has its
    # row, as the SLA engine would have written it; finished ones need none.
    unresolved = set(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk",
                                                                                  flat=True))
    assert set(TicketSla.objects.values_list("ticket_id", flat=True)) == unresolved
    assert TicketSla.objects.filter(due_at__isnull=False).exists()


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_an_open_share_outside_0_to_1_is_refused(tmp_path: Path, share: float) -> None:
    with pytest.raises(CommandError, match="--open-share"):
        seed(tmp_path, tickets=10, open_share=share)
    assert not Ticket.objects.exists()


def test_customers_come_back_and_work_in_organizations(tmp_path: Path) -> None:
    fixture = seed(tmp_path, tickets=600)

    per_customer = sorted(Ticket.objects.values("customer_id").annotate(n=Count("id"))
                          .values_list("n", flat=True))
    one_or_two = sum(1 for n in per_customer if n <= 2)
    assert one_or_two / len(per_customer) > 0.6  # most come once or twice …
    assert per_customer[-1] >= 10  # … some come back again and again
    shared = (User.objects.filter(tickets__isnull=False, organization__isnull=False)
              .values("organization_id").annotate(people=Count("id", distinct=True))
              .filter(people__gte=2))
    assert shared.exists()
    summary = fixture["data"]["tickets_per_customer"]
    assert summary["customers_with_tickets"] == len(per_customer)
    assert summary["max"] == per_customer[-1]


def test_threads_and_bodies_have_realistic_sizes(tmp_path: Path) -> None:
    fixture = seed(tmp_path, tickets=300, messages_max=12)

    counts = list(Ticket.objects.values_list("message_count", flat=True))
    assert min(counts) >= 1 and max(counts) <= 12
    assert statistics.median(counts) >= 2 and max(counts) >= 8  # skewed, with long threads
    lengths = [len(t) for t in Message.objects.values_list("body_text", flat=True)]
    assert min(lengths) < 80 and max(lengths) > 2000  # a sentence … a log excerpt
    sizes = fixture["data"]["message_chars"]
    assert sizes["p50"] == sorted(lengths)[round(0.5 * len(lengths)) - 1]
    assert sizes["max"] == max(lengths)
    assert Message.objects.filter(body_html__contains="<pre>").exists()  # email HTML
    assert Message.objects.filter(is_internal=True).exists()
    # Email replies carry the quoted answer (cut off the body, as the mail parser does).
    quoted = Message.objects.filter(channel=Channel.EMAIL, author_kind=AuthorKind.CUSTOMER,
                                    quoted_text__contains="\n> ")
    assert quoted.exists()
    assert fixture["data"]["quoted_messages"] == Message.objects.exclude(quoted_text="").count()
    # Both languages.
    assert Message.objects.filter(body_text__contains="Merhaba").exists()
    assert Message.objects.filter(body_text__contains="Hello").exists()


def test_the_queue_and_ticket_view_render_for_seeded_tickets(tmp_path: Path) -> None:
    fixture = seed(tmp_path, tickets=150, open_share=0.35)
    client = Client()
    client.force_login(User.objects.get(email=fixture["agent"]["email"]))

    for query in ("", "?sort=deadline", "?queue=all"):
        page = client.get(reverse("desk:queue") + query)
        assert page.status_code == 200
    open_ticket = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("-updated_at")[0]
    assert open_ticket.subject in client.get(reverse("desk:queue")).text

    # A long thread of a customer who came back: the other tickets are listed.
    regular = (Ticket.objects.values("customer_id").annotate(n=Count("id"))
               .order_by("-n")[0]["customer_id"])
    long_thread = (Ticket.objects.filter(customer_id=regular).order_by("-message_count")[0])
    closed = Ticket.objects.filter(status=Status.CLOSED, message_count__gt=1).first()
    for ticket in (open_ticket, long_thread, closed):
        assert ticket is not None
        page = client.get(reverse("desk:ticket", args=[ticket.pk]))
        assert page.status_code == 200
        assert ticket.subject in page.text
    other = (Ticket.objects.filter(customer_id=regular).exclude(pk=long_thread.pk)
             .order_by("-updated_at", "-id").first())  # the latest is listed
    assert other is not None
    page = client.get(reverse("desk:ticket", args=[long_thread.pk]))
    assert reverse("desk:ticket", args=[other.pk]) in page.text


def test_the_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    seed(tmp_path, tickets=40, seed=7)
    first = list(Ticket.objects.order_by("pk").values_list("status", "message_count"))
    Message.objects.all().delete()
    Ticket.objects.all().delete()
    seed(tmp_path, tickets=40, seed=7, append=True)
    again = list(Ticket.objects.order_by("pk").values_list("status", "message_count"))
    assert again == first
