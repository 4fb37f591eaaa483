"""`python -m bench.automation_scan`: time-based automations at 1,000,000 tickets.

    python -m bench.automation_scan --tickets 1000000      # seeds its own database first
    python -m bench.automation_scan --reuse                # keep an already seeded database

On its own PostgreSQL database (`destek_bench_automation_scan`, recreated unless --reuse),
`destek seed` writes N tickets; then a share of the old closed ones are made resolved (a
help desk where nobody closes by hand) so "Close tickets resolved for 7 days" (shipped) has
a backlog. Measured, with the CPU of this process and of its PostgreSQL backend:
1. The first run after switching it on (no cursor): it works through the backlog in batches
   (the beat's MAX_BATCHES per run; runs repeated until done), tickets per second.
2. Steady state, as every beat after that: `--crossing` tickets cross the 7-day line since
   the previous run; one run handles exactly them. Milliseconds and queries per run, and the
   EXPLAIN ANALYZE of the candidate query: an index range on `ticket_status_resolved`,
   never a scan of the table.
3. A run with nothing new: milliseconds, queries, EXPLAIN ANALYZE.
4. The same for an automation on the last change (`updated_at`, pending for 3 days), whose
   range is on `ticket_status_recent`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.sla import RESULTS, _backend_cpu_seconds, _migrate, _seed

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench_automation_scan"


def _explain(queryset: Any) -> dict[str, Any]:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        label = node["Node Type"]
        if node.get("Index Name"):
            label += f" using {node['Index Name']}"
        nodes.append(f"{label} (rows {node.get('Actual Rows')})")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return {"execution_ms": plan["Execution Time"], "nodes": nodes,
            "seq_scan_of_tickets": any(n.startswith("Seq Scan") for n in nodes)}


def _timed_run(automation: Any, now: datetime) -> dict[str, Any]:
    from destek.automation.schedules import run_automation

    # Query counts are the tests' job (destek/automation/tests/test_schedules.py: a run with
    # nothing new costs the same queries however many tickets lie behind the cursor).
    cpu, backend, wall = time.process_time(), _backend_cpu_seconds() or 0.0, time.perf_counter()
    result = run_automation(automation, now=now)
    return {"scanned": result.scanned, "fired": result.fired, "finished": result.finished,
            "wall_ms": round((time.perf_counter() - wall) * 1000, 2),
            "cpu_ms": round((time.process_time() - cpu) * 1000, 2),
            "postgres_cpu_ms": round(((_backend_cpu_seconds() or 0.0) - backend) * 1000, 2)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_AUTOMATION_SCAN_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--resolved", type=int, default=20_000,
                        help="old tickets made resolved: the first run's backlog")
    parser.add_argument("--crossing", type=int, default=40,
                        help="tickets that cross the line between two runs")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--name", default="automation-scan")
    args = parser.parse_args(argv)

    seed_seconds = None if args.reuse else _seed(args.database_url, args.tickets)
    if args.reuse:
        _migrate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.CELERY_BROKER_URL = "memory://"  # enqueues go nowhere: the outbox rows count
    from destek.automation.models import Automation, AutomationApplied
    from destek.automation.schedules import _in_range, threshold_of
    from destek.tickets.models import Status, Ticket

    now = datetime.now(UTC)
    # The backlog: old closed tickets made resolved 8–60 days ago (spread), none closed.
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH old AS (SELECT id FROM tickets_ticket WHERE status = 'closed'
                         ORDER BY id LIMIT %s)
            UPDATE tickets_ticket t SET status = 'resolved', closed_at = NULL,
                   resolved_at = now() - interval '8 days' - (t.id %% 52) * interval '1 day'
            FROM old WHERE t.id = old.id""", [args.resolved])
        cursor.execute("VACUUM ANALYZE tickets_ticket")
    AutomationApplied.objects.all().delete()
    close = Automation.objects.get(default_key="close_resolved")
    Automation.objects.filter(pk=close.pk).update(is_active=True, cursor=None)
    close.refresh_from_db()
    tickets = Ticket.objects.order_by().count()

    # 1. The first run: the whole backlog, beat after beat.
    started, cpu, backend = time.perf_counter(), time.process_time(), _backend_cpu_seconds()
    beats, closed = 0, 0
    while True:
        result = _timed_run(close, now)
        beats, closed = beats + 1, closed + result["fired"]
        if result["finished"]:
            break
    first = {"beats": beats, "closed": closed,
             "seconds": round(time.perf_counter() - started, 1),
             "tickets_per_second": round(closed / max(time.perf_counter() - started, 1e-9)),
             "cpu_seconds": round(time.process_time() - cpu, 1),
             "postgres_cpu_seconds": round((_backend_cpu_seconds() or 0) - (backend or 0), 1)}

    # 2. Steady state: each run, `crossing` tickets crossed the line since the previous one.
    steady: list[dict[str, Any]] = []
    explain_steady: dict[str, Any] = {}
    open_ids = list(Ticket.objects.filter(status=Status.CLOSED).order_by("-id")
                    .values_list("pk", flat=True)[: args.crossing * args.runs])
    for run in range(args.runs):
        at = now + timedelta(minutes=5 * (run + 1))
        line = at - timedelta(hours=close.hours)
        batch = open_ids[run * args.crossing:(run + 1) * args.crossing]
        # Resolved just before the line moved past them (spread over the five minutes).
        for offset, pk in enumerate(batch):
            Ticket.objects.filter(pk=pk).update(
                status=Status.RESOLVED, closed_at=None,
                resolved_at=line - timedelta(seconds=1 + offset * 290 // max(len(batch), 1)))
        close.refresh_from_db()
        if run == args.runs - 1:
            explain_steady = _explain(_in_range(close, lower=close.cursor,
                                                upper=threshold_of(close, at)))
        steady.append(_timed_run(close, at))

    # 3. Nothing new.
    at = now + timedelta(minutes=5 * (args.runs + 1))
    close.refresh_from_db()
    nothing = [_timed_run(close, at + timedelta(seconds=n)) for n in range(5)]
    explain_nothing = _explain(_in_range(close, lower=close.cursor,
                                         upper=threshold_of(close, at)))

    # 4. On the last change: pending for 3 days (the shipped reminder's range).
    remind = Automation.objects.get(default_key="remind_pending")
    explain_pending = _explain(_in_range(remind, lower=now - timedelta(hours=72, minutes=5),
                                         upper=now - timedelta(hours=72)))

    def summary(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
        values = [r[key] for r in rows]
        return {"median": round(statistics.median(values), 2), "max": max(values)}

    result = {
        "benchmark": "automation-scan", "tickets": tickets,
        "seed_seconds": round(seed_seconds, 1) if seed_seconds else None,
        "first_run_backlog": first,
        "steady": {"crossing_per_run": args.crossing, "runs": len(steady),
                   "fired": summary(steady, "fired"), "wall_ms": summary(steady, "wall_ms"),
                   "cpu_ms": summary(steady, "cpu_ms"),
                   "postgres_cpu_ms": summary(steady, "postgres_cpu_ms"),
                   "explain": explain_steady},
        "nothing_new": {"wall_ms": summary(nothing, "wall_ms"), "explain": explain_nothing},
        "pending_range_explain": explain_pending,
        "load_average": round(os.getloadavg()[0], 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
