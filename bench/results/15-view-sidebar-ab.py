"""Issue 15: the ticket view with the customer panel (services, tier, open tickets, history
across channels) against the view without it, CPU per request, in-process.

In one process, each ticket viewed without then with the panel (alternately with then
without), so the machine's other load weighs on both alike:
  A = without the panel: the customer card as it was before issue 15, the customer's five
      latest other tickets (one query), through the same template;
  B = with the panel as shipped (services, value, open tickets, tickets and chats history).
Over TICKETS tickets whose customer owns services and that name one of them (seeded with
`destek seed --services 8`), each view once per round. The switch exists only here: the
script replaces `destek.desk.views.ticket.customer_panel` for side A.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/destek_bench_desk \\
      REDIS_URL=redis://127.0.0.1:6379/4 PYTHONPATH=$PWD \\
      .venv/bin/python bench/results/15-view-sidebar-ab.py --name 15-view-sidebar-ab
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

parser = argparse.ArgumentParser()
parser.add_argument("--name", default="15-view-sidebar-ab")
parser.add_argument("--fixture", default="bench/results/fixture-services.json")
parser.add_argument("--tickets", type=int, default=20)
parser.add_argument("--rounds", type=int, default=12)
parser.add_argument("--no-freeze", action="store_true",
                    help="leave the loaded objects in the garbage collector's generations "
                         "(runs 1-6 of the README did), instead of gc.freeze() after the "
                         "warm-up as destek/asgi.py does in every server process")
args = parser.parse_args()
sys.argv = sys.argv[:1]

from bench.profile import _setup  # noqa: E402 (Django is set up before its imports)

_setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import destek.desk.views.ticket as ticket_view  # noqa: E402
from destek.accounts.models import User  # noqa: E402
from destek.desk.customer_history import Exclude, present_tickets, ticket_rows  # noqa: E402
from destek.desk.customer_panel import (  # noqa: E402
    CustomerPanel,
    _words,
    customer_panel,
    service_choices,
)
from destek.hosting.models import Service  # noqa: E402
from destek.tickets.models import Ticket  # noqa: E402

fixture = json.loads(Path(args.fixture).read_text())
agent = User.objects.get(pk=fixture["agent"]["id"])
client = Client()
client.force_login(agent)


def card_only(*, actor: User, customer: User, service_id: int | None = None,
              exclude: Exclude | None = None, beside: str = "ticket") -> CustomerPanel:
    """What the card showed before: the customer's five latest other tickets, one query."""
    others = present_tickets(ticket_rows(actor, customer, exclude_id=exclude.ticket_id
                                         if exclude else None, limit=5))
    return CustomerPanel(customer_id=customer.pk, words=_words(beside), link_target="_self",
                         ticket_service=None, services=[], more_services=False,
                         tier="", tier_label="", tier_badge="",
                         monthly_value="", customer_since="", open_tickets=[],
                         history=others)


# Tickets about a service, spread over the ids (their customers own 1 to 8+ services).
about = list(Ticket.objects.filter(service__isnull=False).order_by("id")
             .values_list("id", flat=True))
step = max(1, len(about) // args.tickets)
tickets = about[::step][: args.tickets]
paths = [f"/desk/tickets/{pk}/" for pk in tickets]


def view(path: str, panel: Callable[..., CustomerPanel]) -> float:
    """One view's CPU in ms, with or without the panel."""
    ticket_view.customer_panel = panel  # type: ignore[assignment]
    started = time.process_time()
    response = client.get(path)
    spent = 1000 * (time.process_time() - started)
    assert response.status_code == 200, (path, response.status_code)
    return spent


SIDES = {"A": card_only, "B": customer_panel}


def queries(path: str, panel: Callable[..., CustomerPanel]) -> int:
    ticket_view.customer_panel = panel  # type: ignore[assignment]
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


for _ in range(3):  # warm-up: caches, the options snapshot, PostgreSQL's buffers
    for path in paths:
        view(path, card_only)
        view(path, customer_panel)
if not args.no_freeze:
    # As the server does after loading (destek/asgi.py): collections stop traversing what
    # lives as long as the process, and the allocations of a view weigh as they do there.
    gc.collect()
    gc.freeze()
counts = {"A": sorted({queries(p, card_only) for p in paths}),
          "B": sorted({queries(p, customer_panel) for p in paths})}
# Each ticket is viewed without then with the panel (or with then without, alternately), so
# both sides of a pair see the same moment of the shared machine (its other load, the other
# hyperthread of the core): the pairs' ratio moves far less than each side does.
per_round: dict[str, list[float]] = {"A": [], "B": []}
ratios: list[float] = []
for i in range(args.rounds):
    spent = {"A": 0.0, "B": 0.0}
    for j, path in enumerate(paths):
        for name in (("A", "B") if (i + j) % 2 == 0 else ("B", "A")):
            spent[name] += view(path, SIDES[name])
    for name in spent:
        per_round[name].append(spent[name] / len(paths))
    ratios.append(spent["B"] / spent["A"])
a, b = statistics.median(per_round["A"]), statistics.median(per_round["B"])
owners = list(Ticket.objects.filter(pk__in=tickets).select_related("customer"))
result: dict[str, Any] = {
    "name": args.name,
    "what": "ticket view CPU per request in-process (Django test client, full middleware), "
            "A without the customer panel (the old card: 5 other tickets), B with it",
    "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=False).stdout.strip(),
    "tickets": tickets,
    "rounds": args.rounds,
    "gc_frozen": not args.no_freeze,
    "queries": counts,
    "cpu_ms_per_view": {"A_without_panel": round(a, 3), "B_with_panel": round(b, 3),
                        "A_rounds": [round(x, 3) for x in per_round["A"]],
                        "B_rounds": [round(x, 3) for x in per_round["B"]]},
    # The median over rounds of (B's CPU / A's CPU in the round) - 1: what is compared to the
    # goal. (The ratio of the two medians, as runs 1-5 reported it, is kept beside it.)
    "extra_cpu_percent": round(100 * (statistics.median(ratios) - 1), 1),
    "extra_cpu_percent_of_medians": round(100 * (b - a) / a, 1),
    "extra_cpu_percent_per_round": [round(100 * (r - 1), 1) for r in ratios],
    "goal_percent": 15,
    "met": statistics.median(ratios) - 1 <= 0.15,
    "data": {"tickets": Ticket.objects.count(), "services": Service.objects.count(),
             "customers": User.objects.filter(role="customer").count(),
             "services_of_the_viewed_customers": sorted(
                 len(service_choices(customer=t.customer, service_id=None))
                 for t in owners)},
    "machine": {"python": platform.python_version(), "cores": os.cpu_count(),
                "load_average": Path("/proc/loadavg").read_text().split()[:3]},
    "database": connection.vendor,
}
print(json.dumps({"queries": counts, "A_without_panel": round(a, 3), "B_with_panel": round(b, 3),
                  **{k: result[k] for k in ("extra_cpu_percent", "extra_cpu_percent_of_medians",
                                            "met")}}, indent=2))
out = Path("bench/results") / f"{args.name}.json"
out.write_text(json.dumps(result, indent=2) + "\n")
print(f"written {out}")
