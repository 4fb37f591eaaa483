"""`python -m bench.sla`: the SLA engine at scale on PostgreSQL.

    python -m bench.sla --tickets 1000000 --open 100000        # JSON on stdout and in results/
    python -m bench.sla --reuse                                # skip seeding when already there

What it measures, on its own database (`destek_sla_bench`, recreated unless --reuse):
1. `destek seed` writes N tickets (one message each, by COPY); then exactly `--open` of
   them (the most recent) are made open (75 % open, 20 % pending customer, 5 % on hold).
2. Recompute after a policy change: the first run creates every open ticket's SLA state
   (install), the second one follows a change of one policy's target (critical first
   response), the third one of every policy (every open ticket's deadlines move); tickets
   per second over the whole job, and CPU µs per ticket in this process and in its
   PostgreSQL backend (read from /proc: steadier than wall-clock time on a shared machine).
3. The periodic breach scan: every open ticket's next check is put in the coming week (the
   state after the scan has caught up), then for each run ~`--due` tickets are due (what a
   30-second beat interval brings on 100,000 open tickets), and the scan handles them:
   alerts recorded, emails written to the outbox. Milliseconds per run (median, p95), a run
   with nothing due, and EXPLAIN ANALYZE of the scan's range query.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_sla_bench"


def _commands(database_url: str) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE":
           "destek.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    # This checkout's code (cwd first on sys.path), whatever `destek` is installed from.
    destek = [sys.executable, "-c", "from destek.cli import main; main()"]
    return destek, env


def _migrate(database_url: str) -> None:
    destek, env = _commands(database_url)
    subprocess.run([*destek, "migrate", "-v0"], env=env, check=True, cwd=ROOT)


def _seed(database_url: str, tickets: int) -> float:
    from bench.mail import recreate_database

    recreate_database(database_url)
    destek, env = _commands(database_url)
    started = time.perf_counter()
    _migrate(database_url)
    subprocess.run([*destek, "seed", "--tickets", str(tickets), "--messages-min", "1",
                    "--messages-max", "1", "--notes", "0", "--no-progress",
                    "--out", str(RESULTS / "sla-fixture.json")], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started


def _open_exactly(n_open: int) -> None:
    """The most recent `n_open` tickets open (mixed statuses), every other one closed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_ticket SET status = 'closed' "
                       "WHERE status IN ('new', 'open', 'pending', 'on_hold')")
        cursor.execute("""
            WITH recent AS (SELECT id, row_number() OVER (ORDER BY id DESC) AS n
                            FROM tickets_ticket ORDER BY id DESC LIMIT %s)
            UPDATE tickets_ticket t SET status = CASE WHEN recent.n %% 20 = 0 THEN 'on_hold'
                                                     WHEN recent.n %% 5 = 0 THEN 'pending'
                                                     ELSE 'open' END,
                                        resolved_at = NULL, closed_at = NULL
            FROM recent WHERE t.id = recent.id""", [n_open])
        cursor.execute("TRUNCATE sla_ticketsla, sla_slaalert, sla_slacycle")
        cursor.execute("VACUUM ANALYZE tickets_ticket")


def _backend_cpu_seconds() -> float | None:
    """CPU time (user + system) of this connection's PostgreSQL backend so far, from
    /proc (the server runs on this machine); None where it cannot be read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _recompute(reason: str) -> dict[str, Any]:
    """Wall-clock throughput, and CPU per ticket on each side (steadier than wall-clock
    time on a shared machine): this process, and its PostgreSQL backend."""
    from destek.sla.configuration import sla_config_changed
    from destek.sla.services.recompute import recompute_run

    job = sla_config_changed(reason=reason)
    backend_before = _backend_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    job = recompute_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    python_cpu = time.process_time() - cpu_before
    backend_after = _backend_cpu_seconds()
    per_ticket = 1_000_000 / max(1, job.done)  # µs per ticket
    return {"tickets": job.done, "seconds": round(seconds, 2),
            "tickets_per_second": round(job.done / seconds), "state": job.state,
            "cpu_us_per_ticket": {
                "python": round(python_cpu * per_ticket, 1),
                "postgres": None if backend_before is None or backend_after is None
                else round((backend_after - backend_before) * per_ticket, 1)}}


def _record_handled(now: datetime) -> int:
    """Steady state: every step already due at `now` has been handled by earlier scans
    (its alert row exists), as after the scan has been running all along."""
    from destek.sla import facts as f
    from destek.sla.calendar import to_us
    from destek.sla.engine import compute, due_actions
    from destek.sla.models import SlaAlert, TicketSla
    from destek.sla.policies import load_config
    from destek.tickets.models import OPEN_STATUSES, Ticket

    config, total, last = load_config(), 0, 0
    while True:
        tickets = list(Ticket.objects.filter(status__in=OPEN_STATUSES, pk__gt=last)
                       .order_by("pk")[:5000])
        if not tickets:
            return total
        last = tickets[-1].pk
        states = {s.ticket_id: s for s in
                  TicketSla.objects.filter(ticket_id__in=[t.pk for t in tickets])}
        alerts = []
        for ticket in tickets:
            sla = states.get(ticket.pk)
            policy = config.policy_by_id(sla.policy_id) if sla else None
            if sla is None or policy is None:
                continue
            facts = f.facts_for(ticket_values=ticket.__dict__,
                                stretches=f.load_stretches(sla.stretches),
                                awaiting_since=sla.awaiting_since,
                                response_cycle=sla.response_cycle)
            computed = compute(facts=facts, policy=policy,
                               clock=config.clock(policy.calendar_id), now=to_us(now))
            actions, _next = due_actions(computed=computed, facts=facts, policy=policy,
                                         now=to_us(now), done=set())
            alerts += [SlaAlert(ticket_id=ticket.pk, metric=a.metric, kind=a.kind,
                                cycle=a.cycle, created_at=now, skipped=True) for a in actions]
        SlaAlert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=5000)
        total += len(alerts)


def _timed_scans(now: datetime, open_ids: list[int], runs: int, due: int,
                 seed: int) -> tuple[list[float], int]:
    from destek.sla.models import TicketSla
    from destek.sla.services.scan import sla_scan

    rng = random.Random(seed)
    timings, sent = [], 0
    for _ in range(runs):
        chosen = rng.sample(open_ids, due)
        TicketSla.objects.filter(ticket_id__in=chosen).update(
            next_check_at=now - timedelta(seconds=10))
        started = time.perf_counter()
        result = sla_scan(now=now)
        timings.append((time.perf_counter() - started) * 1000)
        sent += len(result.sent)
    return sorted(timings), sent


def _summary(timings: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(timings), 1),
            "p95": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1)}


def _scan_runs(runs: int, due: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from destek.sla.models import TicketSla
    from destek.sla.services.scan import due_tickets_query, sla_scan

    now = datetime.now(UTC)
    with connection.cursor() as cursor:  # caught up: next checks spread over the coming week
        cursor.execute("UPDATE sla_ticketsla s SET next_check_at = %s + random() * "
                       "interval '7 days' FROM tickets_ticket t WHERE t.id = s.ticket_id "
                       "AND t.status IN ('new', 'open', 'pending', 'on_hold')",
                       [now + timedelta(seconds=60)])
        cursor.execute("VACUUM ANALYZE sla_ticketsla")
    open_ids = list(TicketSla.objects.filter(due_at__isnull=False)
                    .values_list("ticket_id", flat=True))
    empty = []
    for _ in range(5):
        started = time.perf_counter()
        assert sla_scan(now=now).checked == 0
        empty.append((time.perf_counter() - started) * 1000)
    # Catching up: the due tickets' past steps were never handled (each sends several).
    catch_up, catch_up_sent = _timed_scans(now, open_ids, max(3, runs // 4), due, seed=1)
    handled = _record_handled(now)
    # Steady state: past steps handled; a due ticket is a check with nothing, or a new step.
    steady, steady_sent = _timed_scans(now, open_ids, runs, due, seed=2)
    # The plan of the range scan with a typical run's worth of due rows.
    TicketSla.objects.filter(ticket_id__in=random.Random(3).sample(open_ids, due)).update(
        next_check_at=now - timedelta(seconds=10))
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = due_tickets_query(now, 200).query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    return {
        "due_per_run": due, "ms_empty_run_median": round(statistics.median(empty), 2),
        "steady": {"runs": runs, "alerts_sent": steady_sent, "ms_per_run": _summary(steady),
                   "past_steps_recorded_before": handled},
        "catch_up": {"runs": len(catch_up), "alerts_sent": catch_up_sent,
                     "ms_per_run": _summary(catch_up),
                     "ms_per_alert": round(sum(catch_up) / max(1, catch_up_sent), 2)},
        "explain_analyze": plan,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("SLA_BENCH_DATABASE_URL",
                                                                 DEFAULT_DATABASE_URL))
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--due", type=int, default=20, help="tickets due per scan run")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    seed_seconds = None if args.reuse else _seed(args.database_url, args.tickets)
    if args.reuse:
        _migrate(args.database_url)
    if args.seed_only:
        return {"seed_seconds": seed_seconds}
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.CELERY_BROKER_URL = "memory://"  # enqueues go nowhere: the outbox rows count
    from destek.sla.models import SlaPolicy, TicketSla
    from destek.tickets.models import Ticket

    _open_exactly(args.open)
    # The shipped policies, whatever an earlier run changed.
    from importlib import import_module

    from django.apps import apps

    SlaPolicy.objects.all().delete()
    for name in ("0002_defaults", "0005_hosting_defaults"):  # hosting: dedicated, key accounts
        import_module(f"destek.sla.migrations.{name}").create(apps, None)
    install = _recompute("benchmark: install")
    # The kind of change: one policy's target (critical first response 1 h → 30 min);
    # every open ticket is evaluated, those under other policies keep their deadlines.
    SlaPolicy.objects.filter(name="Critical").update(first_response_minutes=30)
    change_one = _recompute("benchmark: one policy changed")
    # The worst case: every open ticket's deadlines move (all resolution targets, warnings).
    for policy in SlaPolicy.objects.all():
        policy.resolution_minutes = (policy.resolution_minutes or 0) + 120
        policy.warn_percent = 80
        policy.save(update_fields=["resolution_minutes", "warn_percent"])
    change_all = _recompute("benchmark: every policy changed")
    scan = _scan_runs(args.runs, args.due)
    from bench.machine import machine_info

    result = {
        "benchmark": "sla", "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "tickets": Ticket.objects.order_by().count(),
        "open_tickets": args.open,
        "open_tickets_with_a_running_deadline": TicketSla.objects.filter(
            due_at__isnull=False).count(),
        "seed_seconds": round(seed_seconds, 1) if seed_seconds else None,
        "recompute_install": install, "recompute_one_policy_changed": change_one,
        "recompute_every_deadline_moves": change_all, "scan": scan,
    }
    out = RESULTS / "sla.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
