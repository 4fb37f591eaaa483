"""`python -m bench.mail`: email ingestion throughput, end to end on PostgreSQL and Redis.

    python -m bench.mail --messages 2000 --workers 2          # JSON on stdout and in results/

What it measures: raw messages (a mix of new tickets and replies to existing tickets) go
through `store_raw` (what every door calls), the on-commit task goes through Redis, and W
real Celery worker processes parse, thread and file them (acknowledgement emails are written
to the outbox and delivered by the same workers, as in production). The figure is messages
per second from the first store to the last message processed; queries per message are
counted in-process on a sample.

It recreates its own database (`destek_bench_mail` by default) and uses its own Redis
database (12 by default), so it never touches a test or development database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.machine import machine_info, postgres_url
from bench.server import machine_busy_seconds, postgres_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench_mail"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
MAILBOX = "support@bench.example"
MAX_WAIT_SECONDS = 600


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(postgres_url(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def environment(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "destek.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "DESTEK_DATA_DIR": str(data_dir),
        "DESTEK_EMAIL_URL": "",
        "DESTEK_LOG_LEVEL": "WARNING",
        "DEFAULT_FROM_EMAIL": f"Bench Support <{MAILBOX}>",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
        "DEBUG": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }


# --- the messages ----------------------------------------------------------------------------

def raw_message(*, sender: str, subject: str, text: str, in_reply_to: str = "",
                name: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="client.bench.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    if in_reply_to:
        quoted = "\n".join(f"> {line}" for line in text.splitlines())
        message.set_content(f"{text}\n\nOn Monday, Support wrote:\n{quoted}\n")
    return message.as_bytes()


TOPICS = ["Website returns 500", "Cannot receive email", "DNS change for my domain",
          "Invoice question", "VPS is slow", "SSL certificate expired", "Backup restore",
          "Sitem açılmıyor", "E-posta gönderemiyorum", "Fatura hakkında"]


def new_ticket_message(rng: random.Random, customers: list[str], n: int) -> bytes:
    known = rng.random() < 0.7
    sender = rng.choice(customers) if known else f"new{n}-{rng.randrange(10**9)}@mail.example"
    topic = rng.choice(TOPICS)
    return raw_message(sender=sender, name="Bench Customer", subject=f"{topic} #{n}",
                       text=f"Hello,\n\n{topic}. Details for request {n}.\n\nThanks")


def reply_message(rng: random.Random, thread: tuple[str, str, str], n: int) -> bytes:
    sender, subject, message_id = thread
    return raw_message(sender=sender, subject=f"Re: {subject}", in_reply_to=message_id,
                       text=f"Still happening ({n}). Any news?")


# --- the run ---------------------------------------------------------------------------------

def setup_django(env: dict[str, str]) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
                "DESTEK_DATA_DIR", "DESTEK_EMAIL_URL", "DEFAULT_FROM_EMAIL", "SECRET_KEY",
                "DEBUG", "DESTEK_LOG_LEVEL"):
        os.environ[key] = env[key]
    import django

    django.setup()


def seed(*, customers: int, threads: int, rng: random.Random) -> dict[str, Any]:
    """Department, mailbox, customers, and `threads` tickets opened by email (processed
    inline) to reply to; returns the queries each kind of message took."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from destek.accounts.models import Department, Role, User
    from destek.celery import app
    from destek.mail import processing
    from destek.mail.models import Mailbox
    from destek.mail.store import store_raw
    from destek.notifications.envelope import thread_id

    department = Department.objects.create(name="Technical support", email=MAILBOX)
    Mailbox.objects.create(name="Support", address=MAILBOX, department=department)
    User.objects.bulk_create([
        User(email=f"customer{i}@bench.example", full_name=f"Customer {i}",
             role=Role.CUSTOMER, password=make_password(None)) for i in range(customers)
    ])
    app.conf.task_always_eager = True  # seeding processes inline; no worker is running yet
    addresses = [f"customer{i}@bench.example" for i in range(customers)]
    queries: dict[str, list[int]] = {"new_ticket": [], "reply": []}
    thread_list: list[tuple[str, str, str]] = []
    for n in range(threads):
        raw = new_ticket_message(rng, addresses, n)
        stored = store_raw(raw=raw, source="smtp", envelope_to=[MAILBOX])
        row = stored.email
        row.refresh_from_db()  # processed inline: its ticket is known
        # Replies name the ticket's thread id, as a customer's reply to our acknowledgement
        # does: a reply naming only the customer's own Message-ID opens a new ticket.
        thread_list.append((row.from_address or _sender(raw), _subject(raw),
                            thread_id(row.ticket) if row.ticket is not None
                            else f"<{row.header_message_id}>"))
    app.conf.task_always_eager = False
    # Queries per message, measured in-process on messages stored without a task.
    for n in range(min(threads, 100)):
        pk = store_raw_no_enqueue(reply_message(rng, thread_list[n], n))
        with CaptureQueriesContext(connection) as captured:
            processing.process(pk)
        queries["reply"].append(len(captured))
    for n in range(50):
        pk = store_raw_no_enqueue(new_ticket_message(rng, addresses, 10**6 + n))
        with CaptureQueriesContext(connection) as captured:
            processing.process(pk)
        queries["new_ticket"].append(len(captured))
    return {"threads": thread_list, "queries": queries, "addresses": addresses}


def store_raw_no_enqueue(raw: bytes) -> int:
    from destek.mail.models import InboundEmail
    from destek.mail.store import dedupe_key_for

    key, message_id = dedupe_key_for(raw)
    return InboundEmail.objects.create(dedupe_key=key, header_message_id=message_id,
                                       source="smtp", envelope_to=[MAILBOX], raw=raw,
                                       size=len(raw)).pk


def _sender(raw: bytes) -> str:
    for line in raw.decode(errors="replace").splitlines():
        if line.lower().startswith("from:"):
            return line.split("<")[-1].strip(" >")
    return ""


def _subject(raw: bytes) -> str:
    for line in raw.decode(errors="replace").splitlines():
        if line.lower().startswith("subject:"):
            return line.split(":", 1)[1].strip()
    return ""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_workers(count: int, env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for i in range(count):
        log = (log_dir / f"worker{i}.log").open("wb")
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "destek", "worker", "--pool=solo",
             "-n", f"bench{i}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=WARNING"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        ))
    return workers


def wait_ready(env: dict[str, str], count: int) -> None:
    from destek.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise RuntimeError("the workers did not start within 60 s")


def fresh_database(args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    """A new, migrated benchmark database, and Django set up on it in this process."""
    data_dir = Path(tempfile.mkdtemp(prefix="destek-bench-mail-"))
    env = environment(args, data_dir)
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "-m", "destek.cli", "migrate", "--verbosity", "0"],
                   cwd=ROOT, env=env, check=True)
    setup_django(env)
    return data_dir, env


def seeded_messages(args: argparse.Namespace,
                    rng: random.Random) -> tuple[dict[str, Any], list[bytes]]:
    """Our own Redis database emptied, the tickets to reply to seeded, and the run's raw
    messages (replies and new tickets, in `args.reply_share`), shuffled."""
    from destek.celery import app

    app.connection_for_write().default_channel.client.flushdb()
    seeded = seed(customers=args.customers, threads=args.threads, rng=rng)
    replies = int(args.messages * args.reply_share)
    messages = [reply_message(rng, rng.choice(seeded["threads"]), n) for n in range(replies)]
    messages += [new_ticket_message(rng, seeded["addresses"], n)
                 for n in range(args.messages - replies)]
    rng.shuffle(messages)
    return seeded, messages


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    data_dir, env = fresh_database(args)
    seeded, messages = seeded_messages(args, rng)

    from django.db.models import Count, Max, Min

    from destek.mail.models import InboundEmail, InboundState
    from destek.mail.store import store_raw
    from destek.notifications.models import OutboundEmail, OutboxStatus
    from destek.tickets.models import Message, Ticket

    before_tickets, before_messages = Ticket.objects.count(), Message.objects.count()
    first_id = (InboundEmail.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    load_before = os.getloadavg()[0]
    database = urlsplit(args.database_url).path.lstrip("/")
    workers = start_workers(args.workers, env, data_dir)
    try:
        wait_ready(env, args.workers)
        worker_cpu_before = sum(_cpu_seconds(worker.pid) for worker in workers)
        postgres_before = postgres_cpu_seconds(database) or 0.0
        busy_before, total_before = machine_busy_seconds()
        started = time.perf_counter()
        producer_started = time.process_time()
        for raw in messages:
            store_raw(raw=raw, source="smtp", envelope_to=[MAILBOX])
        stored_s = time.perf_counter() - started
        producer_cpu_s = time.process_time() - producer_started
        timed = InboundEmail.objects.filter(pk__gte=first_id)
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while timed.filter(state=InboundState.PENDING).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("messages still pending after the deadline")
            time.sleep(0.1)
        wall_s = time.perf_counter() - started
        span = timed.aggregate(first=Min("received_at"), last=Max("processed_at"))
        deliveries_done = time.perf_counter()
        while OutboundEmail.objects.filter(status__in=[OutboxStatus.PENDING,
                                                       OutboxStatus.SENDING]).exists():
            if time.perf_counter() - deliveries_done > 120:
                break
            time.sleep(0.2)
        delivered_s = time.perf_counter() - started
        worker_cpu_s = sum(_cpu_seconds(worker.pid) for worker in workers) - worker_cpu_before
        postgres_cpu_s = (postgres_cpu_seconds(database) or 0.0) - postgres_before
        busy_after, total_after = machine_busy_seconds()
        load_after = os.getloadavg()[0]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    states = dict(timed.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    processing_s = (span["last"] - span["first"]).total_seconds()
    new_tickets = Ticket.objects.count() - before_tickets
    new_messages = Message.objects.count() - before_messages
    duplicates = (Message.objects.exclude(external_id="").values("external_id")
                  .annotate(n=Count("pk")).filter(n__gt=1).count())
    queries = seeded["queries"]
    return {
        "benchmark": "mail-ingestion",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": args.messages,
        "reply_share": args.reply_share,
        "workers": args.workers,
        "pool": "solo (one process per worker)",
        "messages_per_second": round(args.messages / processing_s, 1),
        "messages_per_second_wall": round(args.messages / wall_s, 1),
        "seconds": {"store_all": round(stored_s, 2), "processed": round(processing_s, 2),
                    "wall_until_processed": round(wall_s, 2),
                    "wall_until_delivered": round(delivered_s, 2)},
        # Until every acknowledgement is delivered: processing, delivery and Celery's own
        # work (each email's task, most of which find it filed in another's batch).
        "worker_cpu_ms_per_message": round(worker_cpu_s * 1000 / args.messages, 2),
        "postgres_cpu_ms_per_message": round(postgres_cpu_s * 1000 / args.messages, 2),
        "producer_cpu_ms_per_message": round(producer_cpu_s * 1000 / args.messages, 2),
        "total_cpu_ms_per_message": round(
            (worker_cpu_s + postgres_cpu_s + producer_cpu_s) * 1000 / args.messages, 2),
        "machine_busy_share": round((busy_after - busy_before)
                                    / max(total_after - total_before, 1e-9), 2),
        "load_average": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "queries_per_message": {
            kind: {"mean": round(sum(v) / len(v), 1), "max": max(v)}
            for kind, v in queries.items() if v
        },
        "outcome": {"states": states, "new_tickets": new_tickets, "new_messages": new_messages,
                    "duplicate_messages": duplicates,
                    "outbox_sent": OutboundEmail.objects.filter(
                        status=OutboxStatus.SENT).count()},
        "machine": machine_info(),
    }


def profile(args: argparse.Namespace) -> dict[str, Any]:
    """In-process: the same mix stored without tasks and filed batch by batch in this process
    (no Celery, no delivery): CPU of this process and of its PostgreSQL backend per message,
    the queries of one batch by kind, and a cProfile on CPU time (--cprofile TOP)."""
    import cProfile
    import io
    import pstats
    from collections import Counter

    rng = random.Random(args.seed)
    fresh_database(args)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from destek.mail import processing
    from destek.mail.models import InboundEmail, InboundState

    _seeded, messages = seeded_messages(args, rng)
    for raw in messages:
        store_raw_no_enqueue(raw)
    pending = InboundEmail.objects.filter(state=InboundState.PENDING).order_by("pk")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])

    with CaptureQueriesContext(connection) as captured:  # the first batch, warming up
        first_ids = processing.claim(pending.values_list("pk", flat=True)[0])
        processing.process_claimed(first_ids)
    kinds = Counter(" ".join(q["sql"].split()[:1 if q["sql"].startswith(("SAVEPOINT", "RELEASE"))
                                             else 3])[:70] for q in captured.captured_queries)
    profiler = cProfile.Profile(time.process_time) if args.cprofile else None
    cpu, postgres, wall = time.process_time(), _cpu_seconds(backend), time.perf_counter()
    filed = 0
    if profiler:
        profiler.enable()
    while (first := pending.values_list("pk", flat=True).first()) is not None:
        filed += len(processing.process_claimed(processing.claim(first)))
    if profiler:
        profiler.disable()
    cpu, postgres, wall = (time.process_time() - cpu, _cpu_seconds(backend) - postgres,
                           time.perf_counter() - wall)
    top = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.cprofile)
        top = out.getvalue()
    return {
        "benchmark": "mail-processing-in-process",
        "messages": filed, "batch": len(first_ids),
        "cpu_ms_per_message": round(cpu * 1000 / filed, 2),
        "postgres_cpu_ms_per_message": round(postgres * 1000 / filed, 2),
        "wall_ms_per_message": round(wall * 1000 / filed, 2),
        "cprofile": bool(profiler),
        "queries_first_batch": {"total": len(captured), "per_message": round(
            len(captured) / max(len(first_ids), 1), 1), "by_kind": dict(kinds.most_common())},
        "load_average": round(os.getloadavg()[0], 2),
        "cprofile_top": top,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--reply-share", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--threads", type=int, default=300,
                        help="tickets opened by email before the run, to reply to")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_MAIL_DATABASE_URL",
                                                                 DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_MAIL_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--name", default="mail")
    parser.add_argument("--profile", action="store_true",
                        help="file the messages in this process instead (no workers): CPU "
                             "and queries per message")
    parser.add_argument("--cprofile", type=int, default=0, metavar="TOP",
                        help="with --profile: cProfile on CPU time, the TOP functions")
    args = parser.parse_args(argv)
    result = profile(args) if args.profile else run(args)
    if result.get("cprofile_top"):
        print(result.pop("cprofile_top"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
