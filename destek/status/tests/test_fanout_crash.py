"""Crash test: a real Celery worker sending an incident update to a few thousand customers is
SIGKILLed mid-way, twice (while the batches are written, then while the emails go out); the
workers started after it finish the job. Every recipient has exactly one outbox row, and the
SMTP server received exactly one email (one Message-ID) for each.

Needs PostgreSQL (the worker must see the test database) and REDIS_URL; skipped otherwise,
unless DESTEK_REQUIRE_SERVICES=1 (CI). The workers use a Redis database of their own
(DESTEK_FANOUT_CRASH_REDIS_DB, default 11; it is emptied) so no other worker takes their
tasks. DESTEK_FANOUT_CRASH_RECIPIENTS changes the number of customers (default 3000).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from destek.accounts.models import Role, User
from destek.celery import app
from destek.core.testing import missing_service, worker_database_url
from destek.hosting.models import Service
from destek.notifications import delivery
from destek.notifications import tasks as outbox_tasks
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.status import fanout_tasks, sending
from destek.status.factories import ComponentFactory
from destek.status.models import FanoutState, IncidentUpdate
from destek.status.services import IncidentDraft, incident_create

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = int(os.environ.get("DESTEK_FANOUT_CRASH_DEADLINE", "300"))
KIND = sending.KIND
SWEEP_EVERY = 5.0


def _broker_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing_service("REDIS_URL is not set: there is no broker for real workers")
    parts = urlsplit(url)
    db = os.environ.get("DESTEK_FANOUT_CRASH_REDIS_DB", "11")
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


class Sink:
    """An SMTP server that keeps (recipient, Message-ID) of everything it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        for rcpt in envelope.rcpt_tos:
            self.received.append((rcpt.lower(), str(message["Message-ID"])))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


class Worker:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0

    def start(self) -> None:
        self.started += 1
        log = (self.log_dir / f"worker-{self.started}.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "celery", "-A", "destek", "worker", "--pool=solo",
             "-n", f"fanout-crash{self.started}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=WARNING"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-1500:]
                         for p in sorted(self.log_dir.glob("worker-*.log")))


@pytest.fixture
def worker(tmp_path: Path, settings, sink) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    database_url = worker_database_url()
    broker = _broker_url()
    app.connection_for_write(broker).default_channel.client.flushdb()
    _handler, port = sink
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "destek.settings",
        "DATABASE_URL": database_url, "REDIS_URL": broker, "CELERY_BROKER_URL": broker,
        "DESTEK_DATA_DIR": str(tmp_path / "worker-data"),
        "DESTEK_EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "CELERY_TASK_ALWAYS_EAGER": "0", "DEBUG": "0", "DESTEK_LOG_LEVEL": "WARNING",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    one = Worker(env, tmp_path)
    try:
        yield one
    finally:
        one.stop()


def _seed(count: int) -> set[str]:
    people = User.objects.bulk_create([
        User(email=f"crash{n}@example.org", full_name=f"Customer {n}", role=Role.CUSTOMER,
             language="tr" if n % 3 else "en", password=make_password(None))
        for n in range(count)])
    Service.objects.bulk_create([Service(customer=person, server="web-07", plan="Starter")
                                 for person in people])
    return {person.email for person in people}


def _wait(condition: Any, worker: Worker, what: str, *, sweep: bool = False) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    next_sweep = time.monotonic() + SWEEP_EVERY
    while not condition():
        if time.monotonic() > deadline:
            states = Counter(OutboundEmail.objects.values_list("status", flat=True))
            errors = set(OutboundEmail.objects.exclude(last_error="")
                         .values_list("last_error", flat=True)[:5])
            pytest.fail(f"{what} not reached within {DEADLINE_SECONDS}s; emails {states}, "
                        f"errors {errors}; logs:\n{worker.logs()}")
        if sweep and time.monotonic() > next_sweep:  # what beat's sweepers do (every 30 s)
            next_sweep = time.monotonic() + SWEEP_EVERY
            fanout_tasks.sweep_status_fanouts()
            due = delivery.sweep()
            for start in range(0, len(due), 50):
                outbox_tasks.enqueue_many(due[start:start + 50])
        time.sleep(0.05)


def test_each_customer_gets_each_update_exactly_once_while_workers_are_killed(
        worker, sink, settings, monkeypatch):
    total = int(os.environ.get("DESTEK_FANOUT_CRASH_RECIPIENTS", "3000"))
    handler, _port = sink
    settings.DESTEK_STATUS_FANOUT_STALL_SECONDS = 2
    broker = app.connection_for_write(worker.env["CELERY_BROKER_URL"])
    # This process's tasks go to the workers' broker.
    monkeypatch.setattr(fanout_tasks, "enqueue_step", lambda pk, step: (
        fanout_tasks.fanout_step.apply_async((pk, step), connection=broker)))
    monkeypatch.setattr(outbox_tasks, "enqueue_many", lambda ids: (
        outbox_tasks.deliver_outbox_many.apply_async((ids,), connection=broker)))
    expected = _seed(total)
    web07 = ComponentFactory(servers=["web-07"])
    worker.start()
    incident = incident_create(actor=None, draft=IncidentDraft(
        title="Web-07 down", title_tr="Web-07 çöktü", body="Investigating",
        body_tr="İnceleniyor", components=[web07]))
    update = IncidentUpdate.objects.get(incident=incident)

    def progress() -> tuple[str, int, int]:
        return tuple(IncidentUpdate.objects.filter(pk=update.pk).values_list(
            "fanout_state", "fanout_done", "fanout_total").get())  # type: ignore[return-value]

    # 1. Killed while the batches are written (after the first has committed).
    _wait(lambda: progress()[1] >= sending.BATCH, worker, "the first batch")
    worker.kill()
    killed_at_batch = progress()
    assert killed_at_batch[0] == FanoutState.SENDING, "the fan-out finished before the kill"
    worker.start()
    _wait(lambda: progress()[0] == FanoutState.DONE, worker, "the end of the fan-out",
          sweep=True)

    # 2. Killed while the emails go out.
    sent = OutboundEmail.objects.filter(kind=KIND, status=OutboxStatus.SENT)
    _wait(lambda: sent.count() >= total // 3, worker, "a third of the emails sent")
    worker.kill()
    sent_at_kill = sent.count()
    # What the outbox's sweeper does once STUCK_AFTER has passed: the rows the dead worker
    # held go back in line (one may have reached the SMTP server already: sent again, with
    # its Message-ID, the outbox's documented at-least-once trade-off).
    OutboundEmail.objects.filter(status=OutboxStatus.SENDING).update(
        claimed_at=timezone.now() - delivery.STUCK_AFTER - timedelta(seconds=1))
    worker.start()
    rows = OutboundEmail.objects.filter(kind=KIND)
    _wait(lambda: not rows.exclude(status=OutboxStatus.SENT).exists(), worker,
          "every email sent", sweep=True)

    print(f"\nfan-out crash test: {total} recipients; killed at {killed_at_batch[1]} walked, "
          f"then at {sent_at_kill} sent; {len(handler.received)} SMTP deliveries")
    assert 0 < sent_at_kill < total
    # Exactly one outbox row per recipient…
    addresses = Counter(a for row in rows.values_list("recipients", flat=True) for a in row)
    assert set(addresses) == expected and set(addresses.values()) == {1}
    assert rows.count() == total
    # …and each received exactly one email (one Message-ID; a re-send after the kill would
    # carry the same one).
    per_recipient: dict[str, set[str]] = {}
    for address, message_id in handler.received:
        per_recipient.setdefault(address, set()).add(message_id)
    assert set(per_recipient) == expected
    assert {len(ids) for ids in per_recipient.values()} == {1}
    assert len(handler.received) - total <= 1  # at most the one email in flight at the kill
    update.refresh_from_db()
    assert update.fanout_state == FanoutState.DONE
    assert update.fanout_done == update.fanout_total == total
