"""`python -m bench.floor`: what the stack costs before Destek does anything.

    flock /tmp/destek-bench.lock python -m bench.floor --fresh-from destek_bench_e2e_base \\
        --name 74-s8-floor-1

The same deployment as `bench.e2e` (bench/deployment.py: `destek run --no-worker --workers 2`
behind the same middleware, the production worker with beat and the SMTP door, PostgreSQL,
Redis), counted the same way (CPU of every process of every role, all of PostgreSQL, this
load generator), serving two endpoints that do nothing (bench/floor_urls.py, in the bench's
own settings, bench/floor_settings.py) and running a task that does nothing
(bench/floor_worker.py). Then, in this process, the floor of the writes and of the mail:

- `healthz` (c=16): `GET /healthz`, anonymous, one `SELECT 1`: the HTTP and ASGI floor.
- `page` (c=16): a signed-in agent's request through the whole middleware stack, "ok".
- `api1`, `api16`: an agent's token-authenticated JSON POST (Destek's API base class: token,
  audit note, throttle, MFA check) with a ticket creation's body, parsed and ignored.
- `task_burst`: tasks that do nothing, enqueued at once, until the broker is empty;
  `task_paced`: one every 25 ms, each handled alone (a worker woken per task, as at c=1).
- `orm`: in this process, the rows one ticket creation writes, with the ORM and without the
  funnel: ticket, message, event, SLA row and the two notifications' outbox rows, in one
  transaction (this process's CPU and its PostgreSQL backend's).
- `sql`: the same six INSERTs as statements prepared once, through psycopg without the ORM.
- `compose`: one notification's bytes with the standard library (`email.message`,
  policy.default, text and HTML alternatives): no template, no lookup.
- `smtp_connection`, `smtp_session`: `smtplib` hands a message to the relay (bench/sink.py):
  a connection per message, and one session for all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import smtplib
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from bench import e2e
from bench.deployment import HOST, Deployment, Shape, cpu_seconds, self_cpu_seconds
from bench.machine import machine_info
from bench.scenarios import BODIES, SUBJECTS

RESULTS = e2e.RESULTS
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
SCENARIOS = ("healthz", "page", "api1", "api16", "task_burst", "task_paced", "orm", "sql",
             "compose", "smtp_connection", "smtp_session")


def floor_shape(**kwargs: Any) -> Shape:
    """The documented deployment, serving bench.floor_urls and running bench.floor_worker."""
    return Shape(worker_app="bench.floor_worker",
                 extra_env={"DJANGO_SETTINGS_MODULE": "bench.floor_settings"}, **kwargs)


# --- over HTTP and through the broker -------------------------------------------------------

def get_scenario(deployment: Deployment, path: str, *, count: int, concurrency: int,
                 headers: dict[str, str]) -> Any:
    from bench import load

    def make(_i: int) -> load.RequestSpec:
        return load.RequestSpec("GET", path, path)

    return lambda: e2e.http_phase(deployment, make, count=count, concurrency=concurrency,
                                  headers=headers)


def api_scenario(deployment: Deployment, fixture: dict[str, Any], *, count: int,
                 concurrency: int) -> Any:
    from bench import load

    token = fixture["agent"]["token"]
    department = fixture["departments"][0]["id"]

    def make(i: int) -> load.RequestSpec:
        body = {"subject": f"{SUBJECTS[i % len(SUBJECTS)]} #{i}",
                "body": BODIES[i % len(BODIES)], "department": department, "priority": "normal",
                "customer_email": f"floor{i}@customers.bench.example",
                "customer_name": "Bench Customer"}
        return load.RequestSpec("POST", "/bench-floor/api/", "noop", json=body)

    return lambda: e2e.http_phase(deployment, make, count=count, concurrency=concurrency,
                                  headers={"Authorization": f"Token {token}"})


def task_scenario(redis_url: str, *, count: int, interval_s: float) -> Any:
    """Send `count` no-op tasks to the worker's queue, at once or one every `interval_s`."""
    from celery import Celery

    from bench.floor_worker import NOOP

    # An explicit connection: this process's CELERY_BROKER_URL (memory://, setup_django)
    # would win over a `broker` argument.
    client = Celery("bench-floor-client")

    def work() -> dict[str, Any]:
        started = time.monotonic()
        with client.connection_for_write(redis_url) as connection, \
                client.producer_or_acquire(client.amqp.Producer(connection)) as producer:
            for n in range(count):
                client.send_task(NOOP, args=[n], producer=producer)
                if interval_s:
                    time.sleep(max(0.0, started + (n + 1) * interval_s - time.monotonic()))
        return {"ok": count, "errors": 0, "interval_s": interval_s}

    return work


# --- in this process ------------------------------------------------------------------------

def backend_cpu_seconds() -> float:
    """CPU of this process's PostgreSQL backend (the server runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return cpu_seconds([pid])


def measure_inprocess(name: str, call: Any, count: int, *, database: bool) -> dict[str, Any]:
    for _ in range(min(20, count)):  # warm: prepared statements, caches
        call()
    backend_before = backend_cpu_seconds() if database else 0.0
    before, started = self_cpu_seconds(), time.monotonic()
    for _ in range(count):
        call()
    python_ms = 1000 * (self_cpu_seconds() - before) / count
    wall_ms = 1000 * (time.monotonic() - started) / count
    postgres_ms = 1000 * (backend_cpu_seconds() - backend_before) / count if database else 0.0
    block = {"ok": count, "cpu_ms_per_op": {"python": round(python_ms, 3),
                                            "postgres": round(postgres_ms, 3),
                                            "total": round(python_ms + postgres_ms, 3)},
             "wall_ms_per_op": round(wall_ms, 3)}
    print(f"{name}: {block['cpu_ms_per_op']}", file=sys.stderr)
    return block


class CreationRows:
    """The rows of one ticket creation, without the funnel: what it writes, not how it
    decides it (customer lookup, routing, SLA policy, notices)."""

    def __init__(self, fixture: dict[str, Any]) -> None:
        from destek.accounts.models import User

        self.customer = User.objects.get(pk=fixture["customers"][0]["id"])
        self.agent = User.objects.get(pk=fixture["agent"]["id"])
        self.department_id = fixture["departments"][0]["id"]
        self.run = secrets.token_hex(4)
        self.n = 0

    def objects(self, ticket_id: int | None = None) -> list[Any]:
        """Unsaved instances of the six rows (ticket first)."""
        from django.utils import timezone

        from destek.notifications.models import OutboundEmail, OutboxStatus
        from destek.sla.models import TicketSla
        from destek.tickets.models import (
            AuthorKind,
            Channel,
            EventKind,
            Message,
            Ticket,
            TicketEvent,
        )

        self.n += 1
        now = timezone.now()
        body = BODIES[self.n % len(BODIES)]
        ticket = Ticket(subject=f"{SUBJECTS[self.n % len(SUBJECTS)]} #{self.n}",
                        department_id=self.department_id, channel=Channel.API,
                        customer=self.customer, assignee=self.agent, message_count=1,
                        created_at=now, updated_at=now, last_customer_message_at=now)
        ticket.pk = ticket_id
        message = Message(ticket=ticket, author=self.customer, author_kind=AuthorKind.CUSTOMER,
                          body_html=f"<p>{body}</p>", body_text=body, channel=Channel.API,
                          created_at=now)
        event = TicketEvent(ticket=ticket, actor=self.agent, kind=EventKind.CREATED,
                            after="new", created_at=now)
        due = now + timedelta(hours=4)
        sla = TicketSla(ticket=ticket, policy_name="Standard", first_response_minutes=240,
                        resolution_minutes=2880, status="new", awaiting_since=now,
                        stretches=[[now.isoformat(), None, "new"]], first_response_due=due,
                        resolution_due=now + timedelta(days=2), due_at=due,
                        warn_at=due - timedelta(hours=1), next_check_at=due - timedelta(hours=1))
        outbox = [OutboundEmail(status=OutboxStatus.SENT, kind=kind, ticket=ticket,
                                idempotency_key=f"floor:{self.run}:{self.n}:{kind}",
                                message_id=f"<floor.{self.run}.{self.n}.{kind}@bench>",
                                from_email="support@bench.example", recipients=[to],
                                payload={"template": kind, "ticket": 0, "user": 0},
                                raw_message=b"", created_at=now)
                  for kind, to in (("ticket_opened", self.customer.email),
                                   ("ticket_assigned", self.agent.email))]
        return [ticket, message, event, sla, *outbox]

    def with_orm(self) -> None:
        from django.db import transaction

        ticket, *rest = self.objects()
        with transaction.atomic():
            ticket.save(force_insert=True)
            for row in rest:
                row.save(force_insert=True)

    def prepared(self) -> Any:
        """The same INSERTs as statements written once (columns from the models), run
        through psycopg: what the rows cost without the ORM's Python."""
        from django.db import connection
        from psycopg import sql

        statements = []
        for row in self.objects(ticket_id=0):
            meta = type(row)._meta
            fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
            returning = (sql.SQL(" RETURNING {}").format(sql.Identifier(meta.pk.column))
                         if meta.auto_field else sql.SQL(""))
            statements.append((sql.SQL("INSERT INTO {} ({}) VALUES ({}){}").format(
                sql.Identifier(meta.db_table),
                sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
                sql.SQL(", ").join(sql.Placeholder() * len(fields)), returning), fields))
        # Each statement's parameters computed once; a write swaps in the ticket's id and
        # the keys that must be unique, as a hand-written path would fill them in.
        templates = []
        for (statement, fields), row in zip(statements, self.objects(ticket_id=0),
                                            strict=True):
            params = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
            columns = [f.column for f in fields]
            unique = [columns.index(c) for c in ("idempotency_key", "message_id")
                      if c in columns]
            parent = columns.index("ticket_id") if "ticket_id" in columns else None
            templates.append((statement, params, parent, unique))
        connection.ensure_connection()
        raw = connection.connection

        def write() -> None:
            self.n += 1
            with raw.transaction(), raw.cursor() as cursor:
                ticket_id = None
                for statement, template, parent, unique in templates:
                    params = list(template)
                    if parent is not None:
                        params[parent] = ticket_id
                    for index in unique:
                        params[index] = f"{params[index]}:{self.n}"
                    cursor.execute(statement, params, prepare=True)
                    if ticket_id is None:
                        ticket_id = cursor.fetchone()[0]

        return write


def compose_message(n: int) -> bytes:
    body = BODIES[n % len(BODIES)]
    message = EmailMessage()
    message["Subject"] = f"[#T-{100000 + n}] {SUBJECTS[n % len(SUBJECTS)]}"
    message["From"] = "Bench Support <support@bench.example>"
    message["To"] = "Bench Customer <customer@customers.bench.example>"
    message["Message-ID"] = make_msgid(domain="bench.example")
    message["Date"] = datetime.now(UTC)
    message.set_content(f"Hello,\n\nWe received your request:\n\n{body}\n\nBench Support\n")
    message.add_alternative(f"<p>Hello,</p><p>We received your request:</p><blockquote>{body}"
                            "</blockquote><p>Bench Support</p>", subtype="html")
    return message.as_bytes()


# --- the run --------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 e2e.DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--fixture", default=str(RESULTS / "fixture-e2e.json"))
    parser.add_argument("--fresh-from", default="", metavar="TEMPLATE")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=3000, help="per HTTP scenario")
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--paced-tasks", type=int, default=400)
    parser.add_argument("--inprocess", type=int, default=1000,
                        help="operations per in-process scenario")
    parser.add_argument("--name", default="")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")

    fixture = json.loads(Path(args.fixture).read_text())
    secret_key = secrets.token_urlsafe(48)
    if args.fresh_from:
        e2e.fresh_copy(args.database_url, args.fresh_from)
    probe = e2e.Probe(args.database_url, args.redis_url)
    probe.redis.flushdb()
    e2e.setup_django(args.database_url, secret_key)
    setup = e2e.prepare_data()  # the same state as bench.e2e (SLA alerts caught up)
    name = args.name or datetime.now(UTC).strftime("floor-%Y%m%d-%H%M%S")
    started_at = datetime.now(UTC).isoformat()
    results: dict[str, Any] = {}
    deployment = Deployment(database_url=args.database_url, redis_url=args.redis_url,
                            shape=floor_shape(), secret_key=secret_key)
    with deployment:
        meter = e2e.Meter(deployment, probe)
        from bench.cli import login

        cookies = "; ".join(f"{k}={v}" for k, v in asyncio.run(login(
            deployment.url, fixture["agent"]["email"], fixture["agent"]["password"])).items())
        signed_in = {"Cookie": cookies}
        http: dict[str, Any] = {
            "healthz": lambda n: get_scenario(deployment, "/healthz", count=n, concurrency=16,
                                              headers={}),
            "page": lambda n: get_scenario(deployment, "/bench-floor/page/", count=n,
                                           concurrency=16, headers=signed_in),
            "api1": lambda n: api_scenario(deployment, fixture, count=n, concurrency=1),
            "api16": lambda n: api_scenario(deployment, fixture, count=n, concurrency=16),
        }
        for scenario in scenarios:
            if scenario in http:
                http[scenario](100)()  # warm up
                results[scenario] = e2e.run_scenario(scenario, meter, http[scenario](
                    args.requests), args.requests)
            elif scenario == "task_burst":
                task_scenario(args.redis_url, count=50, interval_s=0)()
                results[scenario] = e2e.run_scenario(scenario, meter, task_scenario(
                    args.redis_url, count=args.tasks, interval_s=0), args.tasks)
            elif scenario == "task_paced":
                results[scenario] = e2e.run_scenario(scenario, meter, task_scenario(
                    args.redis_url, count=args.paced_tasks, interval_s=0.025),
                    args.paced_tasks)
        probe.wait_idle()
        # In this process, the deployment idle (its SMTP sink stands in for the relay).
        rows = CreationRows(fixture)
        sink = (HOST, deployment.sink_port)
        raw = compose_message(0)
        session: list[smtplib.SMTP] = []

        def send_on_session() -> None:
            if not session:
                session.append(smtplib.SMTP(*sink, timeout=30))
            session[0].sendmail("support@bench.example", ["customer@bench.example"], raw)

        def send_on_connection() -> None:
            with smtplib.SMTP(*sink, timeout=30) as smtp:
                smtp.sendmail("support@bench.example", ["customer@bench.example"], raw)

        inprocess: dict[str, tuple[Any, bool]] = {
            "orm": (rows.with_orm, True),
            "sql": (rows.prepared(), True),
            "compose": (lambda: compose_message(rows.n), False),
            "smtp_connection": (send_on_connection, False),
            "smtp_session": (send_on_session, False),
        }
        for scenario in scenarios:
            if scenario in inprocess:
                call, database = inprocess[scenario]
                results[scenario] = measure_inprocess(scenario, call, args.inprocess,
                                                      database=database)
        for smtp in session:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        deployment.keep_logs(RESULTS / "logs", name)
    result = {
        "name": name, "started_at": started_at, "finished_at": datetime.now(UTC).isoformat(),
        "command": " ".join(["python -m bench.floor", *(argv if argv is not None
                                                        else sys.argv[1:])]),
        "machine": machine_info(),
        "deployment": {"commands": {role: " ".join(c[2:]) for role, c in
                                    deployment.commands().items()},
                       "env": deployment.shape.extra_env},
        "setup": setup,
        "scenarios": results,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    (RESULTS / f"{name}.json").write_text(text + "\n")
    print(f"written to {RESULTS / f'{name}.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
