"""The suggestions board's top-ideas page over HTTP, on PostgreSQL (issue 18).

    flock /tmp/destek-bench.lock .venv/bin/python -m bench.ideas_top --recreate --name ideas-c1

Seeds 50,000 ideas and 1,000,000 votes (COPY; heavy-tailed: a few ideas have thousands of
votes, most a handful; 20,000 customers; two categories, one public, one for customers;
2 % hidden), with vote_count written as the services keep it, then starts a production-like
server (bench.server) and measures as a visitor, one request at a time: `top` GET /ideas/
(the first page, most votes first), `top_status` GET /ideas/?status=planned, `newest`
GET /ideas/?sort=new, and `top_page2` the second page through its keyset cursor.
JSON goes to bench/results/<name>.json. Target: top p95 <= 50 ms at concurrency 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import load
from bench.machine import machine_info
from bench.server import Server, ServerConfig, machine_busy_seconds, postgres_cpu_seconds

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/destek_ideas_bench"
STATUSES = (["new"] * 60 + ["under_review"] * 15 + ["planned"] * 10 + ["in_progress"] * 5
            + ["done"] * 6 + ["declined"] * 4)
WORDS = ("wildcard SSL certificates", "PHP 8.4", "staging sites", "dark mode", "two-factor login",
         "Turkish invoices", "daily backups", "Node.js hosting", "IPv6", "Redis cache",
         "e-posta kotası", "yedekleme", "DNS şablonları", "kontrol paneli", "ücretsiz alan adı")


def _vote_counts(rng: random.Random, ideas: int, votes: int, voters: int) -> list[int]:
    """Heavy-tailed counts (Pareto) scaled to add up to about `votes`, each at most `voters`."""
    raw = [rng.paretovariate(1.2) for _ in range(ideas)]
    scale = votes / sum(raw)
    counts = [min(voters, max(0, int(r * scale))) for r in raw]
    short = votes - sum(counts)
    i = 0
    while short > 0:  # spread the rounding over the ideas, one vote at a time
        if counts[i % ideas] < voters:
            counts[i % ideas] += 1
            short -= 1
        i += 1
    return counts


def seed(*, ideas: int, votes: int, voters: int, rng_seed: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from destek.accounts.models import Role, User
    from destek.demo.sql import analyze, copy_rows, move_sequence_past_ids
    from destek.ideas.models import Idea, IdeaCategory, IdeaVote, Visibility

    rng = random.Random(rng_seed)
    started = time.perf_counter()
    password = make_password("bench-password-42")
    User.objects.bulk_create(
        [User(email=f"idea-voter-{i}@bench.destek.test", full_name=f"Voter {i}",
              role=Role.CUSTOMER, password=password) for i in range(voters)], batch_size=2000)
    user_ids = list(User.objects.filter(email__endswith="@bench.destek.test")
                    .order_by("pk").values_list("pk", flat=True))
    public = IdeaCategory.objects.create(name="Control panel", name_tr="Kontrol paneli")
    private = IdeaCategory.objects.create(name="Billing", name_tr="Fatura",
                                          visibility=Visibility.CUSTOMERS, position=1)
    counts = _vote_counts(rng, ideas, votes, len(user_ids))
    now = timezone.now()
    with transaction.atomic():
        first = (Idea.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        fields = ("id", "title", "description", "category", "author", "status",
                  "official_response", "official_response_tr", "vote_count", "comment_count",
                  "ticket_count", "hidden", "locked", "is_spam", "created_at", "updated_at")

        def idea_rows() -> Any:
            for n in range(ideas):
                created = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                yield (first + n, f"{rng.choice(WORDS).capitalize()} ({n})",
                       f"Please add {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                       (public if rng.random() < 0.8 else private).pk, rng.choice(user_ids),
                       rng.choice(STATUSES), "", "", counts[n], rng.randint(0, 8), 0,
                       rng.random() < 0.02, False, False, created, created)

        copy_rows(Idea, fields, idea_rows())
        move_sequence_past_ids(Idea)

        def vote_rows() -> Any:
            for n, count in enumerate(counts):
                for user_id in rng.sample(user_ids, count):
                    yield (first + n, user_id, now)

        copy_rows(IdeaVote, ("idea", "user", "created_at"), vote_rows())
    analyze([Idea, IdeaVote, User], vacuum=True)
    return {"ideas": ideas, "votes": sum(counts), "voters": len(user_ids),
            "top_votes": max(counts), "seconds": round(time.perf_counter() - started, 1)}


def prepare(database_url: str, *, recreate: bool, **sizes: int) -> dict[str, Any]:
    admin_url, _sep, name = database_url.rpartition("/")
    exists = subprocess.run(["psql", f"{admin_url}/postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
                            capture_output=True, text=True, check=True).stdout.strip() == "1"
    if exists and recreate:
        subprocess.run(["psql", f"{admin_url}/postgres", "-c", f'DROP DATABASE "{name}"'],
                       check=True, capture_output=True)
        exists = False
    if not exists:
        subprocess.run(["psql", f"{admin_url}/postgres", "-c", f'CREATE DATABASE "{name}"'],
                       check=True, capture_output=True)
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([sys.executable, "-m", "destek.cli", "migrate", "--noinput", "-v0"],
                   env=env, check=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
    import django

    django.setup()
    from destek.ideas.models import Idea

    have = Idea.objects.count()
    if have >= sizes["ideas"]:
        return {"ideas": have, "seeded": False}
    return {**seed(**sizes), "seeded": True}


def _second_page_cursor() -> str:
    from destek.ideas.selectors import board

    page = board(actor=None)
    assert page.next_cursor
    return page.next_cursor


def _scenarios(cursor: str) -> dict[str, Any]:
    return {
        "top": lambda i: load.RequestSpec("GET", "/ideas/", "top"),
        "top_status": lambda i: load.RequestSpec("GET", "/ideas/?status=planned", "planned"),
        "newest": lambda i: load.RequestSpec("GET", "/ideas/?sort=new", "newest"),
        "top_page2": lambda i: load.RequestSpec("GET", f"/ideas/?after={cursor}", "page2"),
    }


async def measure(args: argparse.Namespace, server: Server, cursor: str) -> dict[str, Any]:
    client = load.make_transport(args.client, server.url, concurrency=args.concurrency,
                                 timeout=30.0)
    database = args.database_url.rsplit("/", 1)[1]
    results: dict[str, Any] = {}
    try:
        for name, make in _scenarios(cursor).items():
            await load.run_phase(client, make, count=args.warmup, duration_s=30,
                                 concurrency=args.concurrency)
            busy_before = machine_busy_seconds()
            server_before, pg_before = server.cpu_seconds(), postgres_cpu_seconds(database)
            outcome = await load.run_phase(client, make, count=args.requests,
                                           duration_s=args.duration,
                                           concurrency=args.concurrency)
            busy_after = machine_busy_seconds()
            outcome.server_cpu_s = server.cpu_seconds() - server_before
            pg_after = postgres_cpu_seconds(database)
            outcome.machine_busy_s = busy_after[0] - busy_before[0]
            outcome.machine_total_s = busy_after[1] - busy_before[1]
            results[name] = load.report(outcome)
            if pg_before is not None and pg_after is not None and results[name]["count"]:
                results[name]["cpu"]["postgres_ms_per_request"] = round(
                    1000 * (pg_after - pg_before) / results[name]["count"], 2)
            print(name, json.dumps(results[name]["latency_ms"]), flush=True)
    finally:
        await client.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ideas_top", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("IDEAS_BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    parser.add_argument("--ideas", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--client", default="aiohttp")
    parser.add_argument("--name", default="ideas-top")
    args = parser.parse_args(argv)
    data = prepare(args.database_url, recreate=args.recreate, ideas=args.ideas,
                   votes=args.votes, voters=args.voters, rng_seed=args.seed)
    print("data:", data, flush=True)
    cursor = _second_page_cursor()
    with Server(ServerConfig(database_url=args.database_url, workers=args.workers)) as server:
        results = asyncio.run(measure(args, server, cursor))
        server.keep_log(RESULTS / f"{args.name}.server.log")
    p95 = results.get("top", {}).get("latency_ms", {}).get("p95") or 1e9
    out = {"name": args.name, "data": data, "concurrency": args.concurrency,
           "workers": args.workers, "scenarios": results, "target": {"top_p95_ms": 50},
           "met": p95 <= 50, "machine": machine_info()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps({"met": out["met"], "top_p95_ms": p95}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
