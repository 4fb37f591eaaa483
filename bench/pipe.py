"""`python -m bench.pipe`: the cost of the MTA pipe door, one new process per message.

    python -m bench.pipe --messages 200 --redis-url redis://127.0.0.1:6379/13

What it measures: N messages piped through the real `destek mail-pipe --mailbox …` command,
one process per message and one after the other, exactly as an MTA's pipe transport runs it,
in two modes:

* `direct`: no DESTEK_MAIL_PIPE_URL, the command starts Django and stores the message itself
  (the only way before issue 13; still the fallback);
* `handoff`: DESTEK_MAIL_PIPE_URL and DESTEK_MAIL_PIPE_SECRET set, the command hands the message
  to a running `destek run --no-worker` service (started here) and imports no Django.

Per message: wall milliseconds (process start to exit, as the MTA waits), the pipe process's
CPU (user + system, from the kernel's accounting of the exited children), the service's CPU
(its processes, `handoff` only) and PostgreSQL's backends' CPU; every exit status must be 0 and
every stderr empty; the stored rows are counted (one per message, source "pipe", none twice).
Filing the messages into tickets is the worker's job and costs the same after either door
(`bench.mail` measures it); with `--worker` one Celery worker runs during the run and its CPU
is reported on its own line, never added to the door's.

It recreates its own database (`destek_bench_pipe` by default) and empties its own Redis
database (13 by default).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.machine import machine_info
from bench.mail import (
    MAILBOX,
    ROOT,
    _cpu_seconds,
    environment,
    new_ticket_message,
    recreate_database,
    setup_django,
    start_workers,
    wait_ready,
)
from bench.server import Server, ServerConfig, machine_busy_seconds, postgres_cpu_seconds

RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench_pipe"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
MODES = ("direct", "handoff")
PIPE_TIMEOUT_S = 120
MAX_WAIT_SECONDS = 300
# The console script an MTA runs (it imports destek from PYTHONPATH first, then the install).
PIPE_COMMAND = (str(Path(sys.executable).parent / "destek"), "mail-pipe")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def pipe_messages(messages: list[bytes], *, env: dict[str, str],
                  database: str, server: Server | None) -> dict[str, Any]:
    """Pipe each message through a new `destek mail-pipe` process, one after the other."""
    command = [*PIPE_COMMAND, "--mailbox", MAILBOX]
    walls: list[float] = []
    failures: list[dict[str, Any]] = []
    failed = noisy = 0
    cpu_before, pg_before = _children_cpu_s(), postgres_cpu_seconds(database) or 0.0
    server_before = server.cpu_seconds() if server else 0.0
    busy_before, total_before = machine_busy_seconds()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for raw in messages:
        begun = time.perf_counter()
        result = subprocess.run(command, input=raw, env=env, capture_output=True,
                                timeout=PIPE_TIMEOUT_S, cwd=ROOT, check=False)
        walls.append(time.perf_counter() - begun)
        failed += result.returncode != 0
        noisy += bool(result.stderr)
        if (result.returncode != 0 or result.stderr) and len(failures) < 5:
            failures.append({"exit": result.returncode,
                             "stderr": result.stderr.decode(errors="replace")[:400]})
    wall_s = time.perf_counter() - started
    pipe_cpu_s = _children_cpu_s() - cpu_before
    pg_cpu_s = (postgres_cpu_seconds(database) or 0.0) - pg_before
    server_cpu_s = (server.cpu_seconds() - server_before) if server else 0.0
    busy_after, total_after = machine_busy_seconds()
    n = len(messages)
    walls.sort()
    return {
        "messages": n,
        "failed": failed,
        "failures_sample": failures,
        "stderr_not_empty": noisy,
        "wall_ms_per_message": {
            "mean": _ms(wall_s / n), "median": _ms(statistics.median(walls)),
            "p90": _ms(walls[int(0.9 * (n - 1))]), "max": _ms(walls[-1])},
        "cpu_ms_per_message": {
            "pipe_process": _ms(pipe_cpu_s / n),
            "service": _ms(server_cpu_s / n),
            "postgres": _ms(pg_cpu_s / n),
            "total": _ms((pipe_cpu_s + server_cpu_s + pg_cpu_s) / n)},
        # The MTA's cores: messages per second the door's CPU would allow on this machine.
        "cpu_bound_messages_per_second": round(
            (os.cpu_count() or 1) * n / max(pipe_cpu_s + server_cpu_s + pg_cpu_s, 1e-9), 1),
        "machine_busy_share": round((busy_after - busy_before)
                                    / max(total_after - total_before, 1e-9), 2),
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }


def stored_outcome(first_id: int, count: int) -> dict[str, Any]:
    from django.db.models import Count

    from destek.mail.models import InboundEmail, InboundState

    rows = InboundEmail.objects.filter(pk__gte=first_id)
    # A copy received again is kept as a DUPLICATE row pointing at the first (store_raw):
    # "twice" is a message to be filed twice.
    filed = rows.exclude(state=InboundState.DUPLICATE)
    twice = (filed.values("dedupe_key").annotate(n=Count("pk")).filter(n__gt=1).count())
    return {"stored": filed.filter(source="pipe").count(), "expected": count,
            "stored_twice": twice,
            "duplicate_copies": rows.filter(state=InboundState.DUPLICATE).count()}


def wait_processed(first_id: int) -> float:
    from destek.mail.models import InboundEmail, InboundState

    started = time.monotonic()
    pending = InboundEmail.objects.filter(pk__gte=first_id, state=InboundState.PENDING)
    while pending.exists():
        if time.monotonic() - started > MAX_WAIT_SECONDS:
            raise RuntimeError("messages still pending after the deadline")
        time.sleep(0.2)
    return time.monotonic() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="destek-bench-pipe-"))
    env = environment(args, data_dir)
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "-m", "destek.cli", "migrate", "--verbosity", "0"],
                   cwd=ROOT, env=env, check=True)
    setup_django(env)
    from django.db.models import Max

    from destek.accounts.models import Department
    from destek.celery import app
    from destek.mail.models import InboundEmail, Mailbox

    app.connection_for_write().default_channel.client.flushdb()
    department = Department.objects.create(name="Technical support", email=MAILBOX)
    Mailbox.objects.create(name="Support", address=MAILBOX, department=department)
    customers = [f"customer{i}@bench.example" for i in range(50)]
    database = urlsplit(args.database_url).path.lstrip("/")
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    secret = secrets.token_urlsafe(32)
    results: dict[str, Any] = {}
    workers = start_workers(1, env, data_dir) if args.worker else []
    try:
        if workers:
            wait_ready(env, 1)
        for mode in args.modes:
            messages = [new_ticket_message(rng, customers, n) for n in range(args.messages)]
            first_id = (InboundEmail.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
            worker_before = sum(_cpu_seconds(w.pid) for w in workers)
            if mode == "direct":
                mode_env = {k: v for k, v in env.items()
                            if k not in ("DESTEK_MAIL_PIPE_URL", "DESTEK_MAIL_PIPE_SECRET")}
                figures = pipe_messages(messages, env=mode_env, database=database, server=None)
            else:
                config = ServerConfig(
                    database_url=args.database_url, workers=args.server_workers,
                    redis_url=args.redis_url,
                    extra_env={"DESTEK_MAIL_PIPE_SECRET": secret,
                               "CELERY_BROKER_URL": args.redis_url,
                               "DESTEK_LOG_LEVEL": "WARNING",
                               **({"PYTHONPATH": args.pythonpath} if args.pythonpath else {})})
                server = Server(config)
                with server:
                    mode_env = {**env, "DESTEK_MAIL_PIPE_URL": f"{server.url}/mail/inbound/pipe/",
                                "DESTEK_MAIL_PIPE_SECRET": secret}
                    # The service's first request loads what it loads lazily: not counted.
                    subprocess.run([*PIPE_COMMAND], input=new_ticket_message(rng, customers, -1),
                                   env=mode_env, capture_output=True, check=True,
                                   timeout=PIPE_TIMEOUT_S, cwd=ROOT)
                    first_id = (InboundEmail.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
                    figures = pipe_messages(messages, env=mode_env, database=database,
                                            server=server)
                server.keep_log(data_dir / "server.log")
            figures["outcome"] = stored_outcome(first_id, len(messages))
            if workers:
                figures["worker"] = {"seconds_until_filed_after_the_last_pipe":
                                     round(wait_processed(first_id), 2),
                                     "cpu_ms_per_message": _ms(
                                         (sum(_cpu_seconds(w.pid) for w in workers)
                                          - worker_before) / len(messages))}
            results[mode] = figures
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    return {
        "benchmark": "mail-pipe-door",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages_per_mode": args.messages,
        "pythonpath": args.pythonpath or "(this checkout)",
        "service_workers": args.server_workers,
        "worker": bool(args.worker),
        "modes": results,
        "machine": machine_info(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="per mode")
    parser.add_argument("--modes", type=lambda value: value.split(","),
                        default=list(MODES), help="direct,handoff (both by default)")
    parser.add_argument("--server-workers", type=int, default=1,
                        help="uvicorn processes of the service (handoff)")
    parser.add_argument("--worker", action="store_true",
                        help="run one Celery worker too; its CPU is reported apart")
    parser.add_argument("--pythonpath", default="",
                        help="PYTHONPATH of the pipe processes and the service (another "
                             "checkout, to measure it before a change)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PIPE_DATABASE_URL",
                                                                 DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_PIPE_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--name", default="pipe")
    args = parser.parse_args(argv)
    unknown = set(args.modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
