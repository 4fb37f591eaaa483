"""End to end with a REAL Celery worker process on Redis: a message sent over SMTP to the
receiver is stored, its processing task goes through the broker, and the worker turns it into
a ticket.

Needs REDIS_URL and PostgreSQL (the worker process must see the test database); skipped
otherwise, unless DESTEK_REQUIRE_SERVICES=1 (CI), where a missing Redis is a failure.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from destek.core.testing import real_celery_worker
from destek.mail.doors import smtpd
from destek.mail.models import InboundEmail, InboundState
from destek.mail.tasks import process_inbound_email, process_waiting_inbound
from destek.mail.tests.doors_helpers import free_port, make_mailbox, message_bytes

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = 45



@pytest.fixture
def worker_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Both ways a stored email reaches a worker: its own task, or a wake-up.
    with real_celery_worker(tmp_path, monkeypatch,
                            (process_inbound_email, process_waiting_inbound)) as worker:
        yield worker.log


@pytest.fixture
def smtp_port() -> Iterator[int]:
    port = free_port()
    controller = smtpd.smtp_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_mail_sent_to_smtpd_becomes_a_ticket_through_a_real_worker(
    worker_log, smtp_port, department,
):
    mailbox = make_mailbox(department=department)
    raw = message_bytes(subject="Worker-processed mail", body="My site shows a 500 error.")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.sendmail("deniz@customer.example", [mailbox.address], raw)
    row = InboundEmail.objects.get()

    deadline = time.monotonic() + DEADLINE_SECONDS
    while row.state == InboundState.PENDING and time.monotonic() < deadline:
        time.sleep(0.25)
        row.refresh_from_db()
    log = worker_log.read_text(errors="replace")[-4000:]
    assert row.state == InboundState.PROCESSED, f"state {row.state} ({row.error}); log:\n{log}"
    assert row.attempts == 1
    assert row.ticket is not None
    assert row.ticket.subject == "Worker-processed mail"
    assert row.ticket.department == department
