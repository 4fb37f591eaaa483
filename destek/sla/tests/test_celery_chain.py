"""The escalation chain end to end through a REAL Celery worker on Redis, with the clock
controlled by the test (each scan task carries its `now`): warning → assignee once, breach →
assignee and supervisor once, doubled tasks send nothing twice, a restarted worker goes on,
then the ticket is reassigned.

Needs PostgreSQL and REDIS_URL (see destek/notifications/tests/test_celery_worker.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from destek.core.testing import missing_service, worker_database_url
from destek.notifications.models import OutboundEmail
from destek.sla.models import AlertKind, SlaAlert
from destek.sla.tasks import sla_scan
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
DEADLINE_SECONDS = 40
MINUTE = timedelta(minutes=1)


class Worker:
    def __init__(self, tmp_path: Path, queue: str, redis_url: str, database_url: str) -> None:
        self.queue = queue
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "destek.settings",
               "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "CELERY_BROKER_URL": redis_url, "DESTEK_DATA_DIR": str(tmp_path / "data"),
               "CELERY_TASK_ALWAYS_EAGER": "0", "DEBUG": "0"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
                [sys.executable, "-m", "celery", "-A", "destek", "worker", "--pool=solo",
                 "--queues", queue, "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel=INFO"],
                env=env, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    database_url = worker_database_url()
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing_service("REDIS_URL is not set: there is no broker for a real worker")
    queue = f"destek-sla-test-{uuid.uuid4().hex[:12]}"
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(tmp_path, queue, redis_url, database_url)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def scan_at(worker: Worker, now) -> None:  # type: ignore[no-untyped-def]
    sla_scan.apply_async(kwargs={"now": now.isoformat()}, queue=worker.queue)


def wait_until(worker: Worker, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited:\n{worker.output()}")
        time.sleep(0.2)
    pytest.fail(f"timed out; worker log:\n{worker.output()}")


def drained(worker: Worker) -> bool:
    """Nothing left in our queue, and the one task a solo worker may hold is finished."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    if client.llen(worker.queue):
        return False
    time.sleep(1.0)
    return client.llen(worker.queue) == 0


def emails(kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=kind))


def test_escalation_chain_through_a_real_worker(worker_factory, customer, department, agent,
                                                supervisor, colleague):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    ticket_update(actor=supervisor, ticket=ticket, assignee=agent)
    t0 = Ticket.objects.get(pk=ticket.pk).created_at
    worker = worker_factory()

    scan_at(worker, t0 + 46 * MINUTE)
    scan_at(worker, t0 + 46 * MINUTE)  # beat fired twice
    wait_until(worker, lambda: SlaAlert.objects.filter(kind=AlertKind.WARNING).exists())
    wait_until(worker, lambda: drained(worker))
    assert [e.recipients for e in emails("sla_warning")] == [[agent.email]]

    for _ in range(3):  # doubled, and a late duplicate
        scan_at(worker, t0 + 61 * MINUTE)
    wait_until(worker, lambda: SlaAlert.objects.filter(kind=AlertKind.SUPERVISOR).exists())
    wait_until(worker, lambda: drained(worker))
    assert sorted(e.recipients[0] for e in emails("sla_breach")) == sorted(
        [agent.email, supervisor.email])

    # The worker is restarted; the next step still happens exactly once.
    worker.stop()
    worker = worker_factory()
    scan_at(worker, t0 + 125 * MINUTE)
    scan_at(worker, t0 + 125 * MINUTE)
    wait_until(worker, lambda: SlaAlert.objects.filter(kind=AlertKind.REASSIGN).exists())
    wait_until(worker, lambda: drained(worker))
    assert Ticket.objects.get(pk=ticket.pk).assignee_id != agent.pk
    assert len(emails("sla_warning")) == 1
    assert len(emails("sla_breach")) == 2
    assert SlaAlert.objects.filter(ticket=ticket).count() == 4
