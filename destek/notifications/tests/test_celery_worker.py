"""End to end with a REAL Celery worker process on Redis: a ticket is opened, its outbox row
commits, the on-commit task goes through the broker, and the worker delivers the email.

Needs REDIS_URL and a database another process can open (PostgreSQL). Skipped otherwise,
unless DESTEK_REQUIRE_SERVICES=1 (CI), where a missing Redis is a failure. SQLite is always
skipped: the worker needs a database server it can share with the test (the SQLite test database
is a private temporary file, destek/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from destek.core.testing import missing_service, worker_database_url
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.tasks import (
    DELIVERY_WAKEUP,
    deliver_outbox,
    deliver_outbox_due,
    deliver_outbox_many,
)
from destek.tickets.factories import open_ticket

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = 30




@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    sent_mail_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _to_queue(task: Any, queue: str, *args: Any, **kwargs: Any) -> Any:
    return task.apply_async(args, kwargs, queue=queue)


@pytest.fixture
def celery_worker_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    database_url = worker_database_url()
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing_service("REDIS_URL is not set: there is no broker for a real worker")
    # A queue of our own, so a worker from another test run on the same Redis cannot take
    # our task (it would look for the row in its own database).
    queue = f"destek-test-{uuid.uuid4().hex[:12]}"
    for task in (deliver_outbox, deliver_outbox_many, deliver_outbox_due):
        monkeypatch.setattr(task, "delay", partial(_to_queue, task, queue))
    DELIVERY_WAKEUP.woken()  # a key left by another test would keep our commit from waking
    data_dir = tmp_path / "worker-data"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "destek.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DESTEK_DATA_DIR": str(data_dir),
        "DESTEK_EMAIL_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "0",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "celery", "-A", "destek", "worker", "--pool=solo",
             "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        yield Worker(process=process, sent_mail_dir=data_dir / "sent-mail", log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_real_worker_delivers_ticket_email(celery_worker_process, customer, department):
    worker = celery_worker_process
    ticket = open_ticket(customer=customer, department=department, subject="Worker test")
    row = OutboundEmail.objects.get(ticket=ticket, kind="ticket_opened")

    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.status == OutboxStatus.SENT:
            break
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n"
                        f"{worker.output()}")
        time.sleep(0.25)
    else:
        pytest.fail(f"not delivered within {DEADLINE_SECONDS}s (status {row.status}, "
                    f"error {row.last_error!r}); worker log:\n{worker.output()}")

    assert row.attempts == 1
    eml = worker.sent_mail_dir / f"{row.pk}.eml"
    assert eml.read_bytes() == row.raw_bytes
    assert b"Worker test" in eml.read_bytes()
