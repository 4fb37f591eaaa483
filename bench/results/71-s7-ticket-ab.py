"""Issue 14, the ticket view in one request: CPU of the old pair against the one page.

In one process, in interleaved rounds (so the other sessions' load weighs on both alike):
  A = the page without its SLA read, then the panel's own request (the old pair, emulated),
  B = the page with the panel in it (one request).
Ticket 9 without an SLA row (as every seeded ticket), then with one (a row, two ended
targets, one alert, created in a transaction rolled back at the end).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/destek_bench_view \\
      REDIS_URL=redis://127.0.0.1:6379/11 PYTHONPATH=$PWD \\
      .venv/bin/python bench/results/71-s7-ticket-ab.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.argv = sys.argv[:1]
from bench.profile import _setup  # noqa: E402 (Django is set up before its imports)

_setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

import destek.desk.views.ticket as ticket_view  # noqa: E402
from destek.accounts.models import User  # noqa: E402
from destek.sla.models import AlertKind, Metric, SlaAlert, SlaCycle, TicketSla  # noqa: E402

FIXTURE = Path(__file__).with_name("fixture-view.json")
TICKET_ID = int(os.environ.get("TICKET_ID", "9"))
ROUNDS = int(os.environ.get("ROUNDS", "16"))
PAGE = f"/desk/tickets/{TICKET_ID}/"
PANEL = f"/desk/tickets/{TICKET_ID}/sla/"

agent = User.objects.get(pk=json.loads(FIXTURE.read_text())["agent"]["id"])
client = Client()
client.force_login(agent)
with_panel = ticket_view.sla_panel


def old_pair() -> None:
    ticket_view.sla_panel = lambda **kwargs: None  # type: ignore[assignment]
    client.get(PAGE)
    client.get(PANEL)


def one_page() -> None:
    ticket_view.sla_panel = with_panel
    client.get(PAGE)


def queries(call: Callable[[], None]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def compare(label: str) -> None:
    for _ in range(20):
        old_pair()
        one_page()
    counts = {"A": queries(old_pair), "B": queries(one_page)}
    cpu = {"A": 0.0, "B": 0.0}
    done = 0
    for _ in range(ROUNDS):
        for name, call in (("A", old_pair), ("B", one_page)):
            started = time.process_time()
            for _ in range(25):
                call()
            cpu[name] += time.process_time() - started
        done += 25
    a, b = 1000 * cpu["A"] / done, 1000 * cpu["B"] / done
    print(f"{label}: A (page + panel request) {a:.2f} ms, {counts['A']} queries | "
          f"B (one page) {b:.2f} ms, {counts['B']} queries | saved {a - b:.2f} ms")


class Rollback(Exception):
    pass


compare("no SLA row")
try:
    with transaction.atomic():
        now = timezone.now()
        TicketSla.objects.create(
            ticket_id=TICKET_ID, policy_name="Normal", first_response_minutes=240,
            next_response_minutes=480, resolution_minutes=4320,
            next_response_due=now + timedelta(hours=3), resolution_due=now + timedelta(days=2),
            due_at=now + timedelta(hours=3), warn_at=now + timedelta(hours=2))
        for i, metric in enumerate((Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)):
            SlaCycle.objects.create(
                ticket_id=TICKET_ID, metric=metric, cycle=i, target_minutes=240,
                started_at=now - timedelta(hours=9), due_at=now - timedelta(hours=5),
                completed_at=now - timedelta(hours=4), breached=i == 1)
        SlaAlert.objects.create(ticket_id=TICKET_ID, metric=Metric.NEXT_RESPONSE,
                                kind=AlertKind.BREACH, cycle=1, recipients=[agent.pk])
        assert "sla-ended-next_response" in client.get(PAGE).content.decode()
        compare("with an SLA row, 2 ended targets, 1 alert")
        raise Rollback
except Rollback:
    pass
print("load average:", Path("/proc/loadavg").read_text().strip())
