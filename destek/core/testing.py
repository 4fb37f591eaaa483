"""Helpers for tests that start real processes (Celery workers, servers) beside pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection


def missing_service(reason: str) -> None:
    """Skip, or fail on CI where DESTEK_REQUIRE_SERVICES=1 promises the service is there."""
    if os.environ.get("DESTEK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (DESTEK_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def worker_database_url() -> str:
    """A URL for the test database pytest-django created, for another process's settings."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: these tests run a worker process against the suite's "
                    "PostgreSQL test database (SQLite's is a private temporary file)")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class RealWorker:
    """A `celery worker` process beside the test, on the test's database and Redis."""

    process: subprocess.Popen[bytes]
    log: Path
    data_dir: Path  # its DESTEK_DATA_DIR (the file mail transport writes under sent-mail/)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def real_celery_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tasks: Iterable[Any],
                       *, env: dict[str, str] | None = None, pool: str = "solo",
                       concurrency: int = 1) -> Iterator[RealWorker]:
    """Start a real worker (needs PostgreSQL and REDIS_URL). The `tasks`' `.delay` is sent to
    a queue of this test's own, so a worker of another test run on the same Redis cannot take
    them (it would look for the rows in its own database). `pool="prefork"` runs tasks in
    forked child processes, as production does."""
    database_url = worker_database_url()
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing_service("REDIS_URL is not set: there is no broker for a real worker")
    queue = f"destek-test-{uuid.uuid4().hex[:12]}"
    for task in tasks:
        monkeypatch.setattr(task, "delay", lambda *args, _task=task, **kwargs:
                            _task.apply_async(args, kwargs, queue=queue))
    data_dir = tmp_path / "worker-data"
    worker_env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "destek.settings", "DATABASE_URL": database_url,
        "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "DESTEK_DATA_DIR": str(data_dir),
        "DESTEK_EMAIL_URL": "", "CELERY_TASK_ALWAYS_EAGER": "0", "DEBUG": "0", **(env or {}),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "celery", "-A", "destek", "worker", f"--pool={pool}",
             f"--concurrency={concurrency}", "--queues", queue, "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            env=worker_env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        yield RealWorker(process=process, log=log, data_dir=data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def child_pids(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def memory_rollup(pid: int) -> dict[str, int]:
    """/proc/<pid>/smaps_rollup in KiB by field (Rss, Pss, Shared_Clean, Private_Dirty…)."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {line.split(":")[0]: int(line.split()[1]) for line in rollup}
