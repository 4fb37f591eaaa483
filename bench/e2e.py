"""`python -m bench.e2e`: what the whole production deployment spends per ticket, email and page.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/destek_bench_e2e \\
        python -m bench prepare --tickets 100000 --recreate --open-share 0.05 \\
        --fixture bench/results/fixture-e2e.json
    psql -h 127.0.0.1 -U postgres -c \\
        "CREATE DATABASE destek_bench_e2e_base TEMPLATE destek_bench_e2e"
    flock /tmp/destek-bench.lock python -m bench.e2e --fresh-from destek_bench_e2e_base \\
        --name e2e-after

It starts the deployment of docs/deployment.md (bench/deployment.py: web, worker, beat, SMTP
door, and an SMTP sink as the mail relay), then for each scenario measures from the first
request until everything it caused is done: the outbox delivered to the relay, inbound mail
filed and acknowledged, the broker's queue empty with no task in progress. CPU is counted for
every process: each role of the deployment, all of PostgreSQL (ended backends included) and
this load generator. Memory is the peak PSS of each role and of the whole deployment.

Scenarios:
- `create1`, `create16`: an agent opens tickets through the API on behalf of customers (half
  known, half new: the funnel creates them), in round-robin departments (routing, SLA, the
  customer's acknowledgement and the assignee's notice), at concurrency 1 and 16.
- `email`: messages through the SMTP door in 4 sessions, half new tickets, half replies that
  name a ticket's signed thread id (threaded onto it), until filed and acknowledged.
- `view`: the agent's ticket page as a browser loads it (the page, and any part it loads at
  once with htmx), at concurrency 16.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import re
import secrets
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import redis

from bench import load
from bench.deployment import MAILBOX, Deployment, Shape, postgres_cpu_seconds, self_cpu_seconds
from bench.machine import machine_info, postgres_url
from bench.mail import TOPICS, raw_message
from bench.scenarios import BODIES, PRIORITIES, SUBJECTS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench_e2e"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
HTMX_ON_LOAD = re.compile(r'hx-get="([^"]+)"[^>]*hx-trigger="load"')


def fresh_copy(database_url: str, template: str) -> None:
    """Start from freshly prepared data: the database again as a copy of `template` (made
    once after `python -m bench prepare` with CREATE DATABASE <template> TEMPLATE <db>)."""
    from urllib.parse import urlsplit, urlunsplit

    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(postgres_url(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))


# --- the database, read directly (the load generator stays light) ---------------------------

class Probe:
    def __init__(self, database_url: str, redis_url: str) -> None:
        self.conn = psycopg.connect(postgres_url(database_url), autocommit=True)
        self.database = self.conn.info.dbname
        self.redis = redis.Redis.from_url(redis_url)

    def scalar(self, query: str, *params: Any) -> Any:
        row = self.conn.execute(query, params).fetchone()
        return row[0] if row else None

    def sessions(self) -> int:
        return int(self.scalar("SELECT sessions FROM pg_stat_database WHERE datname = %s",
                               self.database))

    def busy(self) -> dict[str, int]:
        """Work not finished: outbox rows not handed over, mail not filed, tasks queued or
        running (kombu's Redis transport keeps a delivered, unacknowledged task in `unacked`)."""
        return {
            "outbox": int(self.scalar("SELECT count(*) FROM notifications_outboundemail "
                                      "WHERE status IN ('pending', 'sending')")),
            "inbound": int(self.scalar("SELECT count(*) FROM mail_inboundemail "
                                       "WHERE state = 'pending'")),
            "queued": int(self.redis.llen("celery")),
            "running": int(self.redis.hlen("unacked")),
        }

    def wait_idle(self, timeout_s: float = 900.0) -> float:
        """Seconds until nothing is left to do (twice in a row, 0.3 s apart)."""
        started = time.monotonic()
        quiet = 0
        while time.monotonic() - started < timeout_s:
            if any(self.busy().values()):
                quiet = 0
            else:
                quiet += 1
                if quiet >= 2:
                    return time.monotonic() - started
            time.sleep(0.3)
        raise RuntimeError(f"still busy after {timeout_s:.0f}s: {self.busy()}")


def setup_django(database_url: str, secret_key: str) -> None:
    """This process reads and prepares the data with Destek's own models, under the
    deployment's secret (the signed thread ids replies name must verify there)."""
    os.environ.update({"DATABASE_URL": database_url, "SECRET_KEY": secret_key, "DEBUG": "0",
                       "DEFAULT_FROM_EMAIL": f"Bench Support <{MAILBOX}>",
                       "DJANGO_SETTINGS_MODULE": "destek.settings"})
    os.environ.pop("REDIS_URL", None)
    # What this process enqueues goes nowhere: the deployment's worker finds due work itself.
    os.environ.update({"CELERY_BROKER_URL": "memory://",
                       "DESTEK_DATA_DIR": tempfile.mkdtemp(prefix="destek-e2e-runner-")})
    import django

    django.setup()


def prepare_data() -> dict[str, Any]:
    """What a routed desk has: round-robin departments and a mailbox for the SMTP door."""
    from destek.accounts.models import AssignmentMode, Department
    from destek.mail.models import Mailbox

    Department.objects.update(assignment_mode=AssignmentMode.ROUND_ROBIN)
    department = Department.objects.filter(is_public=True).order_by("pk")[0]
    Mailbox.objects.get_or_create(address=MAILBOX, defaults={"name": "Support",
                                                             "department": department})
    return {"assignment_mode": "round_robin", "mailbox": MAILBOX,
            "sla_alerts_caught_up": catch_up_sla()}


def catch_up_sla() -> int:
    """The seeded open tickets' deadlines passed while nobody watched: the SLA scan's first
    runs would send thousands of warnings and breaches during the measurement, which no
    ticket of the run caused. Scan until nothing is due and take those alerts as sent."""
    from destek.notifications.models import OutboundEmail, OutboxStatus
    from destek.sla.services.scan import sla_scan

    caught_up = 0
    for _round in range(200):
        result = sla_scan()
        caught_up += len(result.sent)
        if not result.checked:
            break
    OutboundEmail.objects.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, last_error="bench.e2e: an alert of the catch-up, not sent")
    return caught_up


# --- measuring one scenario ------------------------------------------------------------------

class Meter:
    """CPU of every process and PostgreSQL sessions, between two readings."""

    def __init__(self, deployment: Deployment, probe: Probe) -> None:
        self.deployment = deployment
        self.probe = probe

    def reading(self) -> dict[str, Any]:
        return {"roles": self.deployment.cpu_by_role(), "postgres": postgres_cpu_seconds(),
                "client": self_cpu_seconds(), "sessions": self.probe.sessions(),
                "at": time.monotonic()}

    @staticmethod
    def per_op(before: dict[str, Any], after: dict[str, Any], ops: int) -> dict[str, Any]:
        ms = {role: round(1000 * (after["roles"][role] - before["roles"][role]) / ops, 2)
              for role in after["roles"]}
        ms["postgres"] = round(1000 * (after["postgres"] - before["postgres"]) / ops, 2)
        ms["load_generator"] = round(1000 * (after["client"] - before["client"]) / ops, 2)
        total = sum(v for role, v in ms.items() if role != "sink")
        return {"cpu_ms_per_op": {**ms, "total_without_sink": round(total, 2)},
                "new_db_sessions": after["sessions"] - before["sessions"],
                "new_db_sessions_per_op": round((after["sessions"] - before["sessions"])
                                                / ops, 3)}


def start_profilers(deployment: Deployment, roles: list[str], prefix: Path) -> list[Any]:
    """py-spy on every process of these roles (sampling from outside: the figures of the
    other roles are not disturbed, and these are only a little), folded stacks per role."""
    profilers = []
    for role in roles:
        leader = deployment.processes[role].pid
        out = prefix.with_name(f"{prefix.name}-{role}.folded")
        profilers.append(subprocess.Popen(
            ["py-spy", "record", "--pid", str(leader), "--subprocesses", "--rate", "50",
             "--nonblocking", "--format", "raw", "--output", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return profilers


def stop_profilers(profilers: list[Any]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    for profiler in profilers:
        profiler.wait(timeout=60)


def run_scenario(name: str, meter: Meter, work: Any, ops_hint: int, *,
                 profile: list[str] | None = None, run_name: str = "") -> dict[str, Any]:
    print(f"{name}: waiting for the deployment to be idle …", file=sys.stderr)
    meter.probe.wait_idle()
    profilers = start_profilers(meter.deployment, profile or [],
                                RESULTS / "logs" / f"{run_name}-{name}")
    before = meter.reading()
    started = time.monotonic()
    outcome = work()
    sent_s = time.monotonic() - started
    drain_s = meter.probe.wait_idle()
    after = meter.reading()
    stop_profilers(profilers)
    ops = outcome.get("ok") or ops_hint
    wall = after["at"] - before["at"] - 0.6  # wait_idle's confirming polls
    block = {**outcome, "load_seconds": round(sent_s, 2), "drain_seconds": round(drain_s, 2),
             "end_to_end_per_second": round(ops / max(wall, 1e-9), 1),
             **Meter.per_op(before, after, ops)}
    cpu = block["cpu_ms_per_op"]
    print(f"{name}: {ops} ok, {block['end_to_end_per_second']}/s end to end, CPU ms/op "
          f"{cpu}, sessions/op {block['new_db_sessions_per_op']}", file=sys.stderr)
    return block


# --- the scenarios ---------------------------------------------------------------------------

def http_phase(deployment: Deployment, make: Any, *, count: int, concurrency: int,
               headers: dict[str, str]) -> dict[str, Any]:
    async def go() -> load.Outcome:
        client = load.make_transport("auto", deployment.url, concurrency=concurrency,
                                     timeout=60, headers=headers)
        try:
            return await load.run_phase(client, make, count=count, duration_s=600,
                                        concurrency=concurrency)
        finally:
            await client.close()

    outcome = asyncio.run(go())
    report = load.report(outcome)
    return {"ok": report["count"], "errors": report["errors"],
            "statuses": report.get("statuses"), "latency_ms": report["latency_ms"],
            "error_samples": report.get("error_samples", [])[:3]}


def create_scenario(deployment: Deployment, fixture: dict[str, Any], *, count: int,
                    concurrency: int, rng: random.Random) -> Any:
    token = fixture["agent"]["token"]
    departments = [d["id"] for d in fixture["departments"] if d.get("public", True)]
    known = [c["email"] for c in fixture["customers"]]
    run = secrets.token_hex(3)

    def make(i: int) -> load.RequestSpec:
        email = (rng.choice(known) if i % 2 else
                 f"new{i}.{run}@customers.bench.example")
        body = {"subject": f"{rng.choice(SUBJECTS)} #{i}", "body": rng.choice(BODIES),
                "department": rng.choice(departments), "priority": rng.choice(PRIORITIES),
                "customer_email": email, "customer_name": "Bench Customer"}
        return load.RequestSpec("POST", "/api/v1/tickets/", "create", json=body)

    return lambda: http_phase(deployment, make, count=count, concurrency=concurrency,
                              headers={"Authorization": f"Token {token}"})


def reply_threads(count: int) -> list[tuple[str, str, str]]:
    """(customer address, subject, signed thread id) of recent tickets, to reply to."""
    from destek.notifications.envelope import thread_id
    from destek.tickets.models import Ticket

    tickets = Ticket.objects.select_related("customer").order_by("-pk")[:count]
    return [(t.customer.email, t.subject, thread_id(t)) for t in tickets]


def email_scenario(deployment: Deployment, fixture: dict[str, Any], *, count: int,
                   sessions: int, rng: random.Random) -> Any:
    known = [c["email"] for c in fixture["customers"]]
    threads = reply_threads(count // 2)
    messages = []
    for n in range(count):
        if n % 2 and threads:
            sender, subject, thread = threads[(n // 2) % len(threads)]
            messages.append((sender, raw_message(
                sender=sender, subject=f"Re: {subject}", in_reply_to=thread,
                text=f"Still happening ({n}). {rng.choice(BODIES)}")))
        else:
            sender = rng.choice(known) if rng.random() < 0.7 else f"m{n}.{rng.randrange(10**9)}" \
                                                                   "@mail.bench.example"
            topic = rng.choice(TOPICS)
            messages.append((sender, raw_message(
                sender=sender, name="Bench Customer", subject=f"{topic} #{n}",
                text=f"Hello,\n\n{topic}. {rng.choice(BODIES)}\n\nThanks")))
    shares = [messages[i::sessions] for i in range(sessions)]

    def session(share: list[tuple[str, bytes]]) -> int:
        sent = 0
        with smtplib.SMTP("127.0.0.1", deployment.smtpd_port, timeout=60) as smtp:
            for sender, raw in share:
                smtp.sendmail(sender, [MAILBOX], raw)
                sent += 1
        return sent

    def work() -> dict[str, Any]:
        with ThreadPoolExecutor(sessions) as pool:
            sent = sum(pool.map(session, shares))
        return {"ok": sent, "errors": count - sent, "sessions": sessions,
                "mean_message_bytes": round(sum(len(r) for _, r in messages) / count)}

    return work


def view_scenario(deployment: Deployment, fixture: dict[str, Any], cookies: str, *,
                  count: int, concurrency: int, rng: random.Random) -> Any:
    first_id, last_id = fixture["ticket_ids"]
    followups: list[str] = []

    async def probe_page() -> None:
        client = load.make_transport("auto", deployment.url, concurrency=1, timeout=30,
                                     headers={"Cookie": cookies})
        try:
            status, body = await client.send(load.RequestSpec(
                "GET", f"/desk/tickets/{first_id}/", "probe"))
        finally:
            await client.close()
        if status != 200:
            raise RuntimeError(f"the ticket page answered {status}")
        followups.extend(HTMX_ON_LOAD.findall(body.decode(errors="replace")))

    asyncio.run(probe_page())
    # A browser loads the page, then what it asks for at once: count them as one view.
    per_view = 1 + len(followups)

    open_ids = fixture.get("open_ticket_ids") or []

    def make(i: int) -> load.RequestSpec:
        # Agents open the tickets they work on: half the views an unresolved one, when the
        # fixture lists them, the rest anywhere (history, the customer's other tickets).
        view = i // per_view
        pk = (open_ids[view % len(open_ids)] if open_ids and view % 2
              else random.Random(view).randint(first_id, last_id))
        if i % per_view == 0:
            return load.RequestSpec("GET", f"/desk/tickets/{pk}/", "page")
        return load.RequestSpec("GET", re.sub(r"/tickets/\d+/", f"/tickets/{pk}/",
                                              followups[i % per_view - 1]), "part")

    def work() -> dict[str, Any]:
        result = http_phase(deployment, make, count=count * per_view,
                            concurrency=concurrency, headers={"Cookie": cookies})
        result["requests"] = result["ok"]
        result["requests_per_view"] = per_view
        result["ok"] = result["ok"] // per_view
        return result

    return work


# --- the run ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--fixture", default=str(RESULTS / "fixture-e2e.json"))
    parser.add_argument("--scenarios", default="create1,create16,email,view")
    parser.add_argument("--creates", type=int, default=1000, help="tickets per create run")
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--views", type=int, default=2000)
    default = Shape()  # the documented deployment (docs/deployment.md)
    parser.add_argument("--web-workers", type=int, default=default.web_workers)
    parser.add_argument("--worker-args", default=" ".join(default.worker_args),
                        help="arguments of `celery worker` (the documented default)")
    parser.add_argument("--worker-app", default=default.worker_app,
                        help="celery -A <app> (`destek` with --separate-beat, --separate-smtpd "
                             "and --worker-args '--concurrency 4' runs the deployment of trees "
                             "from before issue 14)")
    parser.add_argument("--separate-beat", action="store_true",
                        help="`celery beat` in its own process (the worker embeds it otherwise)")
    parser.add_argument("--separate-smtpd", action="store_true",
                        help="`destek smtpd` in its own process (the worker serves it otherwise)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--fresh-from", default="", metavar="TEMPLATE",
                        help="first recreate the database as a copy of this one (the data "
                             "as prepared, whatever earlier runs added)")
    parser.add_argument("--profile", default="", metavar="ROLES",
                        help="py-spy these roles (e.g. web,worker) during each measured phase; "
                             "folded stacks in bench/results/logs/<name>-<scenario>-<role>"
                             ".folded (needs py-spy on PATH)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--name", default="")
    args = parser.parse_args(argv)

    fixture = json.loads(Path(args.fixture).read_text())
    rng = random.Random(args.seed)
    secret_key = secrets.token_urlsafe(48)
    shape = Shape(web_workers=args.web_workers, worker_args=tuple(args.worker_args.split()),
                  beat=args.separate_beat, separate_smtpd=args.separate_smtpd,
                  worker_app=args.worker_app,
                  extra_env=dict(item.split("=", 1) for item in args.env))
    if args.fresh_from:
        fresh_copy(args.database_url, args.fresh_from)
    probe = Probe(args.database_url, args.redis_url)
    probe.redis.flushdb()
    setup_django(args.database_url, secret_key)
    setup = prepare_data()
    name = args.name or datetime.now(UTC).strftime("e2e-%Y%m%d-%H%M%S")
    started_at = datetime.now(UTC).isoformat()
    results: dict[str, Any] = {}
    (RESULTS / "logs").mkdir(parents=True, exist_ok=True)
    measure = functools.partial(run_scenario, run_name=name,
                                profile=[r for r in args.profile.split(",") if r])
    deployment = Deployment(database_url=args.database_url, redis_url=args.redis_url,
                            shape=shape, secret_key=secret_key)
    with deployment:
        idle_pss = deployment.pss_by_role()
        meter = Meter(deployment, probe)
        from bench.cli import login

        cookies = "; ".join(f"{k}={v}" for k, v in asyncio.run(login(
            deployment.url, fixture["agent"]["email"], fixture["agent"]["password"])).items())
        for scenario in args.scenarios.split(","):
            scenario = scenario.strip()
            if scenario.startswith("create"):
                concurrency = int(scenario.removeprefix("create") or 16)
                warm = create_scenario(deployment, fixture, count=50, concurrency=concurrency,
                                       rng=rng)
                warm()
                work = create_scenario(deployment, fixture, count=args.creates,
                                       concurrency=concurrency, rng=rng)
                results[scenario] = measure(scenario, meter, work, args.creates)
            elif scenario == "email":
                email_scenario(deployment, fixture, count=50, sessions=4, rng=rng)()
                work = email_scenario(deployment, fixture, count=args.emails, sessions=4,
                                      rng=rng)
                results[scenario] = measure(scenario, meter, work, args.emails)
            elif scenario == "view":
                view_scenario(deployment, fixture, cookies, count=100, concurrency=16,
                              rng=rng)()
                work = view_scenario(deployment, fixture, cookies, count=args.views,
                                     concurrency=16, rng=rng)
                results[scenario] = measure(scenario, meter, work, args.views)
            else:
                parser.error(f"unknown scenario {scenario!r}")
        peak_pss = {role: round(v, 1) for role, v in deployment.peak_pss.items()}
        deployment.keep_logs(RESULTS / "logs", name)
    result = {
        "name": name, "started_at": started_at, "finished_at": datetime.now(UTC).isoformat(),
        "command": " ".join(["python -m bench.e2e", *(argv if argv is not None
                                                      else sys.argv[1:])]),
        "machine": machine_info(),
        "deployment": {"commands": {role: " ".join(c[2:]) for role, c in
                                    deployment.commands().items()},
                       "env": shape.extra_env},
        "setup": setup,
        "fixture": {"seeded_at": fixture.get("seeded_at"), "counts": fixture.get("counts"),
                    "data": fixture.get("data")},
        "memory_pss_mib": {"idle": {k: round(v, 1) for k, v in idle_pss.items()},
                           "peak": peak_pss},
        "scenarios": results,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(text + "\n")
    print(f"written to {RESULTS / f'{name}.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
