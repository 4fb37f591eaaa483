"""Profile single requests in-process: query count and time, EXPLAIN ANALYZE, and a Python
profile (pyinstrument, when it is importable).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/destek_bench \\
        python -m bench.profile /desk/ "/desk/?queue=mine" /desk/tickets/123/ --explain

Requests go through Django's test client as the fixture's bench agent (or with its API token
for /api/ paths), with the full middleware stack but no HTTP server, so the figures are the
view's own cost. Nothing is written except by POST paths (--post-json).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "destek.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.setdefault("DEBUG", "0")
    if "DESTEK_DATA_DIR" not in os.environ:  # Celery's filesystem queue for on-commit jobs
        data_dir = Path(tempfile.mkdtemp(prefix="destek-profile-"))
        for name in ("queue", "queue-processed"):
            (data_dir / name).mkdir()
        os.environ["DESTEK_DATA_DIR"] = str(data_dir)
    import django

    django.setup()


def _explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def cpu_per_request(call: Any, repeat: int) -> float:
    """Milliseconds of this process's CPU per call, without query capture (which costs)."""
    started = time.process_time()
    for _ in range(repeat):
        call()
    return round(1000 * (time.process_time() - started) / repeat, 2)


def cprofile_text(call: Any, repeat: int, top: int) -> str:
    """cProfile on CPU time (time.process_time), so waiting for PostgreSQL does not count;
    the top functions by cumulative time."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def profile_path(client: Any, path: str, *, repeat: int, explain: bool, post: Any,
                 headers: dict[str, str], python_profile: bool, cprofile: int = 0,
                 cpu: bool = False, all_queries: bool = False) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def call() -> Any:
        if post is not None:
            return client.post(path, data=json.dumps(post), content_type="application/json",
                               headers=headers)
        return client.get(path, headers=headers)

    call()  # warm caches (templates, URL resolver, connection)
    timings = []
    captured: list[dict[str, str]] = []
    status = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = call()
            timings.append(time.perf_counter() - started)
        status = response.status_code
        captured = list(ctx.captured_queries)
    report: dict[str, Any] = {
        "path": path, "status": status, "bytes": len(response.content),
        "ms_mean": round(1000 * statistics.mean(timings), 2),
        "ms_min": round(1000 * min(timings), 2),
        "queries": len(captured),
        "query_ms": round(sum(float(q["time"]) for q in captured) * 1000, 2),
        "slowest": sorted(({"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:600]}
                           for q in captured), key=lambda q: -q["ms"])[:8],
        "repeated": {sql[:200]: n for sql, n in Counter(q["sql"] for q in captured).items()
                     if n > 1},
    }
    if all_queries:
        report["all_queries"] = [q["sql"][:160] for q in captured]
    if cpu:
        # A POST creates a ticket per call; a GET is idempotent.
        report["cpu_ms_per_request"] = cpu_per_request(call, repeat)
    if cprofile:
        report["cprofile"] = cprofile_text(call, repeat, cprofile)
    if explain and connection.vendor == "postgresql":
        plans = []
        for q in sorted(captured, key=lambda q: -float(q["time"]))[:4]:
            sql = q["sql"]
            if sql.lstrip().upper().startswith("SELECT"):
                try:
                    plans.append({"sql": sql[:600], "plan": _explain(sql, None)})
                except Exception as exc:
                    plans.append({"sql": sql[:600], "plan": f"(not explained: {exc})"})
        report["explain"] = plans
    if python_profile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            report["python_profile"] = "pyinstrument is not installed"
        else:
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(repeat):
                    call()
            report["python_profile"] = profiler.output_text(unicode=False, color=False,
                                                            show_all=False)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--fixture", default=str(RESULTS / "fixture.json"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--python", action="store_true", help="pyinstrument profile")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU ms per request of this process (no query capture)")
    parser.add_argument("--cprofile", type=int, default=0, metavar="TOP",
                        help="cProfile on CPU time, the TOP functions by cumulative time")
    parser.add_argument("--queries", action="store_true", help="list every query, in order")
    parser.add_argument("--post-json", default=None, help="POST this JSON instead of GET")
    parser.add_argument("--api-agent", action="store_true",
                        help="call /api/ paths with the agent's token (default: a customer's)")
    parser.add_argument("--visitor", action="store_true",
                        help="as a visitor: not signed in, no fixture needed (help center)")
    args = parser.parse_args(argv)
    _setup()
    from django.test import Client

    from destek.accounts.models import User

    session, api, token = Client(), Client(), ""
    if not args.visitor:
        fixture = json.loads(Path(args.fixture).read_text())
        session.force_login(User.objects.get(email=fixture["agent"]["email"]))
        token = (fixture["customers"] if not args.api_agent else [])
        token = (token or [fixture["agent"]])[0]["token"]
    post = json.loads(args.post_json) if args.post_json else None
    for path in args.paths:
        is_api = path.startswith("/api/") and not args.visitor
        report = profile_path(api if is_api else session, path, repeat=args.repeat,
                              explain=args.explain, post=post,
                              headers={"Authorization": f"Token {token}"} if is_api else {},
                              python_profile=args.python, cprofile=args.cprofile,
                              cpu=args.cpu, all_queries=args.queries)
        text = report.pop("python_profile", None)
        cprofile_report = report.pop("cprofile", None)
        plans = report.pop("explain", [])
        print(json.dumps(report, indent=2, ensure_ascii=False))
        for plan in plans:
            print(f"\n--- EXPLAIN ANALYZE: {plan['sql'][:300]}\n{plan['plan']}")
        if text:
            print(text)
        if cprofile_report:
            print(cprofile_report)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
