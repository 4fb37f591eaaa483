"""After the rows: the SLA state of the unresolved tickets, and the figures that say what data
a benchmark ran on (the fixture's `data`, issue 14)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import Count

from destek.accounts.models import User
from destek.demo.seeding.conversations import TicketGenerator
from destek.sla.services.recompute import recompute_batch
from destek.tickets.models import OPEN_STATUSES, Status, Ticket

SLA_BATCH = 5000


def install_sla(*, first_id: int, now: datetime) -> int:
    """The SLA rows (deadlines, warnings, pauses) of the new unresolved tickets, by the SLA
    engine's own bulk path (`recompute_batch`: what installing the engine on an existing
    desk runs), so the queue's deadline column, sort and filters see them as real tickets.
    Finished tickets get none: their clocks stopped. How many tickets it did."""
    done, after = 0, first_id - 1
    while True:
        count, after = recompute_batch(after_id=after, limit=SLA_BATCH, now=now)
        done += count
        if count < SLA_BATCH:
            return done


def percentiles(sizes: Mapping[int, int], points: tuple[float, ...] = (0.5, 0.9, 0.99)
                ) -> dict[str, int]:
    """Exact percentiles of a value → count histogram (nearest rank), and the maximum."""
    total = sum(sizes.values())
    out: dict[str, int] = {}
    if not total:
        return out
    ranked = sorted(sizes.items())
    for point in points:
        rank, seen = max(1, round(point * total)), 0
        for value, count in ranked:
            seen += count
            if seen >= rank:
                out[f"p{round(point * 100)}"] = value
                break
    out["max"] = ranked[-1][0]
    return out


def _per_customer(first_id: int) -> dict[str, Any]:
    counts = Counter(
        n for n in Ticket.objects.filter(pk__gte=first_id).values("customer_id")
        .annotate(n=Count("id")).values_list("n", flat=True))
    customers = sum(counts.values())
    with_org = (User.objects.filter(tickets__pk__gte=first_id, organization__isnull=False)
                .values("organization_id").annotate(people=Count("id", distinct=True)))
    people = Counter(row["people"] for row in with_org)
    return {
        "customers_with_tickets": customers,
        "share_1": round(counts[1] / customers, 3) if customers else 0,
        "share_2": round(counts[2] / customers, 3) if customers else 0,
        "share_10_plus": round(sum(c for n, c in counts.items() if n >= 10) / customers, 3)
        if customers else 0,
        **percentiles(counts),
        "organizations": sum(people.values()),
        "people_per_organization": percentiles(people, (0.5, 0.9)),
    }


OPEN_SAMPLE = 500


def open_ticket_ids(*, first_id: int) -> list[int]:
    """The new unresolved tickets agents look at most (latest activity first), for a load
    scenario that opens tickets from the queue rather than uniformly from all ids."""
    return list(Ticket.objects.filter(pk__gte=first_id, status__in=OPEN_STATUSES)
                .order_by("-updated_at", "-id").values_list("pk", flat=True)[:OPEN_SAMPLE])


def data_summary(generator: TicketGenerator, *, options: Mapping[str, Any],
                 first_id: int) -> dict[str, Any]:
    """What this run generated: the requested parameters and what came out of them."""
    new = Ticket.objects.filter(pk__gte=first_id)
    by_status = dict.fromkeys(Status.values, 0)
    by_status.update(new.values_list("status").annotate(n=Count("id")).values_list(
        "status", "n"))
    tickets = sum(by_status.values())
    unresolved = sum(by_status[s] for s in OPEN_STATUSES)
    thread = Counter(dict(new.values_list("message_count").annotate(n=Count("id"))
                          .values_list("message_count", "n")))
    return {
        "open_share": options["open_share"],
        "unresolved": unresolved,
        "unresolved_share": round(unresolved / tickets, 4) if tickets else 0,
        "by_status": by_status,
        "messages_per_ticket": {"min": options["messages_min"],
                                "max": options["messages_max"], **percentiles(thread)},
        "notes_ratio": options["notes"],
        "tickets_per_customer": _per_customer(first_id),
        "message_chars": percentiles(generator.body_sizes),
        "quoted_chars": percentiles(generator.quoted_sizes),
        "quoted_messages": sum(generator.quoted_sizes.values()),
    }
