"""`python -m bench`: prepare a benchmark database, then load-test a Destek server over HTTP.

    python -m bench prepare --tickets 100000 --recreate   # createdb, migrate, destek seed
    python -m bench run                                    # start a server, measure, stop it
    python -m bench run --url http://127.0.0.1:8000        # measure a server already running

Results are printed as JSON and written to bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql

from bench import load
from bench.machine import database_info, machine_info, postgres_url
from bench.scenarios import Scenario, build
from bench.server import (
    HOST,
    Server,
    ServerConfig,
    load_average,
    machine_busy_seconds,
    postgres_cpu_seconds,
    wait_for_quiet,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/destek_bench"
DEFAULT_SCENARIOS = "queue,ticket,create"


def _database_url(value: str | None) -> str:
    return value or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


# --- prepare -------------------------------------------------------------------------------

def prepare(args: argparse.Namespace, seed_args: list[str]) -> int:
    url = _database_url(args.database_url)
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres") or not name:
        print("prepare needs a PostgreSQL --database-url with a database name", file=sys.stderr)
        return 2
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(postgres_url(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (name,)).fetchone()
        if exists and args.recreate:
            print(f"Dropping database {name} …", file=sys.stderr)
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            print(f"Creating database {name} …", file=sys.stderr)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0",
           "SECRET_KEY": secrets.token_urlsafe(48)}
    env.pop("REDIS_URL", None)
    destek = [sys.executable, "-m", "destek.cli"]
    subprocess.run([*destek, "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run([*destek, "seed", "--tickets", str(args.tickets), "--out",
                    str(args.fixture), *seed_args], cwd=ROOT, env=env, check=True)
    print(f"prepared {name} in {time.perf_counter() - started:.1f}s; fixture: {args.fixture}",
          file=sys.stderr)
    return 0


# --- run -----------------------------------------------------------------------------------

async def login(base_url: str, email: str, password: str) -> dict[str, str]:
    """Sign in through the real allauth form (CSRF included); the session's cookies."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        page = await client.get("/accounts/login/")
        page.raise_for_status()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        token = match.group(1) if match else client.cookies.get("csrftoken", "")
        response = await client.post(
            "/accounts/login/",
            data={"login": email, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base_url}/accounts/login/"},
        )
        if response.status_code not in (302, 303) or "sessionid" not in client.cookies:
            raise RuntimeError(f"login as {email} failed: HTTP {response.status_code} "
                               f"{response.text[:300]!r}")
        check = await client.get("/desk/")
        if check.status_code != 200:
            raise RuntimeError(f"/desk/ after login answered HTTP {check.status_code}")
        return dict(client.cookies.items())


def _metric(block: dict[str, Any], path: str) -> Any:
    value: Any = block
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _target(scenario: Scenario, block: dict[str, Any]) -> dict[str, Any] | None:
    if scenario.target is None:
        return None
    metric, op, goal = scenario.target
    value = _metric(block, metric)
    met = value is not None and (value <= goal if op == "<=" else value >= goal)
    return {"scenario": scenario.name, "metric": metric, "target": f"{op} {goal:g}",
            "measured": value, "errors": block["errors"], "met": bool(met and
                                                                      block["errors"] == 0)}


async def measure(args: argparse.Namespace, base_url: str, fixture: dict[str, Any],
                  server: Server | None) -> dict[str, Any]:
    rng = random.Random(args.seed)
    scenarios = build(fixture, rng)
    results: dict[str, Any] = {}
    targets = []
    agent = fixture["agent"]
    cookies = await login(base_url, agent["email"], agent["password"])
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    session = load.make_transport(args.client, base_url, concurrency=args.concurrency,
                                  timeout=args.timeout, headers={"Cookie": cookie_header})
    api = load.make_transport(args.client, base_url, concurrency=args.concurrency,
                              timeout=args.timeout)
    try:
        for name in args.scenarios.split(","):
            scenario = scenarios[name.strip()]
            block = await measure_one(args, scenario,
                                      session if scenario.client == "session" else api, server)
            results[scenario.name] = block
            target = _target(scenario, block)
            if target:
                targets.append(target)
    finally:
        await session.close()
        await api.close()
    return {"client": session.name, "scenarios": results, "targets": targets}


async def measure_one(args: argparse.Namespace, scenario: Scenario, client: load.Transport,
                      server: Server | None) -> dict[str, Any]:
    if args.quiet_load:  # before the warm-up, which itself raises the load average
        print(f"{scenario.name}: waiting for load < {args.quiet_load} …", file=sys.stderr)
        wait_for_quiet(args.quiet_load, args.quiet_wait)
    print(f"{scenario.name}: warm-up {args.warmup} …", file=sys.stderr)
    await load.run_phase(client, scenario.make, count=args.warmup,
                         duration_s=args.warmup_duration, concurrency=args.concurrency)
    pace = f", paced at {args.rate:g}/s" if args.rate else ""
    print(f"{scenario.name}: measuring up to {args.requests} requests or "
          f"{args.duration:g}s at concurrency {args.concurrency}{pace} …", file=sys.stderr)
    load_before = load_average()
    database = urlsplit(_database_url(args.database_url)).path.lstrip("/")
    server_cpu = server.cpu_seconds() if server else None
    database_cpu = postgres_cpu_seconds(database)
    busy, total = machine_busy_seconds()
    outcome = await load.run_phase(client, scenario.make, count=args.requests,
                                   duration_s=args.duration, concurrency=args.concurrency,
                                   rate=args.rate)
    busy_after, total_after = machine_busy_seconds()
    outcome.machine_busy_s = busy_after - busy
    outcome.machine_total_s = total_after - total
    if server and server_cpu is not None:
        outcome.server_cpu_s = server.cpu_seconds() - server_cpu
    database_cpu_after = postgres_cpu_seconds(database)
    block = {"description": scenario.description, **load.report(outcome)}
    cpu = block["cpu"]
    if database_cpu is not None and database_cpu_after is not None and block["count"]:
        # CPU of the backends serving this database; a backend that ended meanwhile is
        # missing from the second reading (the pool keeps them, so rarely).
        cpu["database_ms_per_request"] = round(
            1000 * max(database_cpu_after - database_cpu, 0.0) / block["count"], 2)
    parts = [cpu.get("server_ms_per_request"), cpu.get("database_ms_per_request"),
             cpu.get("client_ms_per_request")]
    if all(isinstance(p, int | float) for p in parts):
        total_ms = round(sum(float(p) for p in parts if p is not None), 2)
        cpu["total_ms_per_request"] = total_ms
        # What this machine's cores could serve if nothing but these three ran.
        cpu["cpu_bound_requests_per_second"] = round(
            1000 * (os.cpu_count() or 1) / max(total_ms, 1e-9), 1)
    cpu["loadavg_1m_before"] = load_before
    cpu["loadavg_1m_after"] = load_average()
    lat = block["latency_ms"]
    print(f"{scenario.name}: {block['count']} requests, {block['errors']} errors, "
          f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, "
          f"{block['requests_per_second']}/s, CPU ms/request: server "
          f"{cpu['server_ms_per_request']}, database {cpu.get('database_ms_per_request')}, "
          f"client {cpu['client_ms_per_request']}", file=sys.stderr)
    return block


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace) -> int:
    fixture_path = Path(args.fixture)
    if not fixture_path.exists():
        print(f"No fixture at {fixture_path}: run `python -m bench prepare` (or `destek seed "
              "--out ...`) first.", file=sys.stderr)
        return 2
    fixture = json.loads(fixture_path.read_text())
    database_url = _database_url(args.database_url)
    name = args.name or datetime.now(UTC).strftime(f"%Y%m%d-%H%M%S-w{args.workers}")
    extra_env = dict(item.split("=", 1) for item in args.env)
    # A SIGTERM (e.g. from `timeout`) must still stop the server through `finally` below.
    signal.signal(signal.SIGTERM, _terminate)
    started_at = datetime.now(UTC).isoformat()
    server: Server | None = None
    try:
        if args.url:
            if urlsplit(args.url).hostname not in (HOST, "localhost", "::1"):
                print("--url must point at this machine (127.0.0.1)", file=sys.stderr)
                return 2
            base_url = args.url.rstrip("/")
        else:
            server = Server(ServerConfig(database_url=database_url, workers=args.workers,
                                         redis_url=args.redis_url, settings_module=args.settings,
                                         extra_env=extra_env))
            print(f"Starting destek run --workers {args.workers} on {server.url} …",
                  file=sys.stderr)
            server.start()
            base_url = server.url
        measured = asyncio.run(measure(args, base_url, fixture, server))
    finally:
        if server is not None:
            server.stop()
            server.keep_log(Path(args.out_dir) / f"{name}.server.log")
    try:
        database: dict[str, Any] = database_info(database_url)
    except psycopg.Error as exc:
        database = {"error": str(exc)}
    result = {
        "name": name,
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "machine": machine_info(),
        "database": database,
        "server": {
            "url": base_url,
            "started_by_runner": server is not None,
            "command": "destek run --no-worker --no-demo --workers "
                       f"{args.workers}" if server else None,
            "workers": args.workers if server else None,
            "debug": False if server else None,
            "redis": bool(args.redis_url) if server else None,
            "settings_module": args.settings or "destek.settings",
            "env_overrides": extra_env,
        },
        "load": {"concurrency": args.concurrency, "max_requests": args.requests,
                 "mode": f"paced at {args.rate:g}/s" if args.rate else "closed loop",
                 "max_duration_s": args.duration, "warmup_requests": args.warmup,
                 "client": f"{measured.pop('client')} (HTTP/1.1 keep-alive)"},
        "fixture": {"seeded_at": fixture.get("seeded_at"), "counts": fixture.get("counts"),
                    "data": fixture.get("data")},
        **measured,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(text + "\n")
    print(f"written to {out_dir / f'{name}.json'}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command")

    prep = sub.add_parser("prepare", help="create, migrate and seed a PostgreSQL database; "
                                          "other options are passed to `destek seed`")
    prep.add_argument("--database-url", help=f"default: $BENCH_DATABASE_URL or "
                                             f"{DEFAULT_DATABASE_URL}")
    prep.add_argument("--tickets", type=int, default=100_000)
    prep.add_argument("--recreate", action="store_true", help="drop the database first")
    prep.add_argument("--fixture", default=str(RESULTS / "fixture.json"))

    go = sub.add_parser("run", help="load-test a server (the default command)")
    go.add_argument("--url", help="measure this server instead of starting one")
    go.add_argument("--database-url", help=f"default: $BENCH_DATABASE_URL or "
                                           f"{DEFAULT_DATABASE_URL}")
    go.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    go.add_argument("--redis-url", default="", help="give the server REDIS_URL (cache, sessions)")
    go.add_argument("--settings", default="", help="DJANGO_SETTINGS_MODULE for the server")
    go.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for the server (repeatable)")
    go.add_argument("--fixture", default=str(RESULTS / "fixture.json"))
    go.add_argument("--scenarios", default=DEFAULT_SCENARIOS,
                    help="comma-separated, in order: queue, ticket, search, health, "
                         "signed_in, create")
    go.add_argument("--concurrency", type=int, default=16)
    go.add_argument("--rate", type=float, default=0.0, metavar="PER_SECOND",
                    help="pace the requests at this total rate (open loop, latency counted "
                         "from when each was due) instead of back to back")
    go.add_argument("--requests", type=int, default=3000, help="measured requests per scenario")
    go.add_argument("--duration", type=float, default=60.0,
                    help="at most this many seconds of measuring per scenario")
    go.add_argument("--warmup", type=int, default=200, help="unmeasured requests per scenario")
    go.add_argument("--warmup-duration", type=float, default=30.0)
    go.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    go.add_argument("--quiet-load", type=float, default=0.0, metavar="LOAD",
                    help="before each scenario wait until the 1-minute load average is "
                         "under LOAD (other work on the machine skews the figures)")
    go.add_argument("--quiet-wait", type=float, default=300.0,
                    help="wait at most this many seconds for --quiet-load")
    go.add_argument("--client", choices=("auto", "aiohttp", "httpx"), default="auto",
                    help="HTTP client of the load generator (auto: aiohttp when installed)")
    go.add_argument("--seed", type=int, default=1)
    go.add_argument("--name", default="", help="results file name (without .json)")
    go.add_argument("--out-dir", default=str(RESULTS))
    return top


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("prepare", "run", "-h", "--help"):
        argv = ["run", *argv]
    args, rest = parser().parse_known_args(argv)
    if args.command == "prepare":
        return prepare(args, rest)
    if rest:
        parser().error(f"unrecognized arguments: {' '.join(rest)}")
    return run(args)
