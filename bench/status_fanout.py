"""`python -m bench.status_fanout`: an incident on one server with 10,000 customers on it,
from its declaration to the last email accepted by an SMTP server, on PostgreSQL and Redis.

    flock /tmp/destek-bench.lock .venv/bin/python -m bench.status_fanout --customers 10000

What it measures: a fresh database (`destek_bench_fanout` by default) gets N customers, each
with a live service on `web-07` (60 % Turkish-speaking), and a component on that server. An
agent declares an incident on it (`services.incident_create`, published): its on-commit task
goes through Redis, and W real Celery worker processes walk the customers in batches
(destek.status.sending), write the outbox rows and deliver them over SMTP to a local sink
(aiosmtpd in this process, which accepts and counts). Figures: seconds from the declaration
to every outbox row written (the fan-out's state DONE), and to every email accepted by the
sink; CPU of the workers and of PostgreSQL per email.

It uses its own Redis database (14 by default; emptied), never a test or development one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.controller import Controller

from bench.machine import machine_info
from bench.mail import RESULTS, _cpu_seconds, fresh_database, start_workers, wait_ready
from bench.server import machine_busy_seconds, postgres_cpu_seconds

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench_fanout"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
MAX_WAIT_SECONDS = 900


class CountingSink:
    """Accepts every message and counts its recipients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recipients = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.lock:
            self.recipients += len(envelope.rcpt_tos)
            now = time.perf_counter()
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 OK"


def seed(customers: int, rng: random.Random) -> int:
    """N customers with a live service on web-07, and the component on that server."""
    from django.contrib.auth.hashers import make_password

    from destek.accounts.models import Role, User
    from destek.hosting.models import Service
    from destek.status.models import Component

    unusable = make_password(None)
    people = User.objects.bulk_create([
        User(email=f"customer{n}@fanout.bench.example", full_name=f"Customer {n}",
             role=Role.CUSTOMER, language="tr" if rng.random() < 0.6 else "en",
             password=unusable) for n in range(customers)], batch_size=2000)
    Service.objects.bulk_create([
        Service(customer=person, server="web-07", plan="Starter",
                domain=f"site{person.pk}.example.com") for person in people],
        batch_size=2000)
    # A few hundred customers elsewhere, who must not hear about it.
    others = User.objects.bulk_create([
        User(email=f"other{n}@fanout.bench.example", role=Role.CUSTOMER, password=unusable)
        for n in range(300)])
    Service.objects.bulk_create([Service(customer=person, server="web-08") for person in others])
    return Component.objects.create(slug="web-07", name="Shared hosting web-07",
                                    name_tr="Paylaşımlı hosting web-07",
                                    servers=["web-07"]).pk


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    data_dir, env = fresh_database(args)
    env["DESTEK_EMAIL_URL"] = f"smtp://127.0.0.1:{args.smtp_port}"

    from destek.celery import app
    from destek.notifications.models import OutboundEmail, OutboxStatus
    from destek.status.models import Component, FanoutState, IncidentUpdate
    from destek.status.services import IncidentDraft, incident_create

    app.connection_for_write().default_channel.client.flushdb()
    component_id = seed(args.customers, rng)
    database = args.database_url.rsplit("/", 1)[-1]
    workers = start_workers(args.workers, env, data_dir)
    try:
        wait_ready(env, args.workers)
        worker_cpu_before = sum(_cpu_seconds(worker.pid) for worker in workers)
        postgres_before = postgres_cpu_seconds(database) or 0.0
        busy_before, total_before = machine_busy_seconds()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        incident = incident_create(actor=None, draft=IncidentDraft(
            title="Web-07 is unreachable", title_tr="Web-07 erişilemiyor",
            body="A disk failed; we are replacing it.",
            body_tr="Bir disk arızalandı; değiştiriyoruz.",
            components=[Component.objects.get(pk=component_id)]))
        declared_s = time.perf_counter() - started
        update = IncidentUpdate.objects.filter(incident=incident)
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        written_s = None
        progress: list[tuple[float, int]] = []
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError("not delivered within the deadline")
            state, done = update.values_list("fanout_state", "fanout_done").get()
            now = time.perf_counter() - started
            if not progress or progress[-1][1] != done:
                progress.append((round(now, 2), done))
            if written_s is None and state == FanoutState.DONE:
                written_s = now
            if written_s is not None and sink.recipients >= args.customers:
                break
            time.sleep(0.1)
        delivered_s = (sink.last_at or time.perf_counter()) - started
        # The last rows are marked sent right after the sink accepted them.
        while OutboundEmail.objects.exclude(status=OutboxStatus.SENT).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        marked_s = time.perf_counter() - started
        worker_cpu_s = sum(_cpu_seconds(worker.pid) for worker in workers) - worker_cpu_before
        postgres_cpu_s = (postgres_cpu_seconds(database) or 0.0) - postgres_before
        busy_after, total_after = machine_busy_seconds()
        load_after = os.getloadavg()[0]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        controller.stop()

    rows = OutboundEmail.objects.filter(kind="status_incident_update")
    final = update.values("fanout_total", "fanout_done", "fanout_step").get()
    return {
        "benchmark": "status-fanout",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "customers": args.customers,
        "workers": args.workers,
        "pool": "solo (one process per worker)",
        "seconds": {"declare": round(declared_s, 3),
                    "all_rows_written": round(written_s or 0.0, 2),
                    "all_delivered_to_smtp": round(delivered_s, 2),
                    "all_marked_sent": round(marked_s, 2)},
        "emails_per_second": round(args.customers / delivered_s, 1),
        "progress": progress[:: max(len(progress) // 20, 1)],
        "worker_cpu_ms_per_email": round(worker_cpu_s * 1000 / args.customers, 2),
        "postgres_cpu_ms_per_email": round(postgres_cpu_s * 1000 / args.customers, 2),
        "machine_busy_share": round((busy_after - busy_before)
                                    / max(total_after - total_before, 1e-9), 2),
        "load_average": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "outcome": {"outbox_rows": rows.count(),
                    "outbox_sent": rows.filter(status=OutboxStatus.SENT).count(),
                    "smtp_recipients": sink.recipients, **final},
        "machine": machine_info(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--smtp-port", type=int, default=2526)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_FANOUT_DATABASE_URL",
                                                                 DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_FANOUT_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--name", default="status-fanout")
    args = parser.parse_args(argv)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
