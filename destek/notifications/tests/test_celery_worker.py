"""End to end with a REAL Celery worker process on Redis: a ticket is opened, its outbox row
commits, the on-commit task goes through the broker, and the worker delivers the email.

Needs REDIS_URL and a database another process can open (PostgreSQL). Skipped otherwise,
unless DESTEK_REQUIRE_SERVICES=1 (CI), where a missing Redis is a failure. SQLite is always
skipped: the worker needs a database server it can share with the test (the SQLite test database
is a private temporary file, destek/conftest.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from destek.core.testing import RealWorker, real_celery_worker
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


@pytest.fixture
def celery_worker_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                          ) -> Iterator[RealWorker]:
    DELIVERY_WAKEUP.woken()  # a key left by another test would keep our commit from waking
    with real_celery_worker(tmp_path, monkeypatch,
                            (deliver_outbox, deliver_outbox_many, deliver_outbox_due)) as worker:
        yield worker


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
    eml = worker.data_dir / "sent-mail" / f"{row.pk}.eml"
    assert eml.read_bytes() == row.raw_bytes
    assert b"Worker test" in eml.read_bytes()
