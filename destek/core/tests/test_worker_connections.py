"""A real prefork worker keeps its database connections between tasks (issue 14).

Celery's Django fix-up closed every connection, and the psycopg pool, around each task: a
burst of ticket emails opened about three PostgreSQL sessions per delivery. Each worker
process now keeps one connection (destek.celery). Needs PostgreSQL and REDIS_URL; skipped
otherwise (see destek.core.testing).
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from destek.core.testing import real_celery_worker, worker_database_url
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.tasks import (
    DELIVERY_WAKEUP,
    deliver_outbox,
    deliver_outbox_due,
    deliver_outbox_many,
)
from destek.tickets.factories import open_ticket

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

TICKETS = 30
PROCESSES = 2
APP_NAME = "destek-test-worker-connections"  # libpq's PGAPPNAME marks the worker's sessions
DEADLINE_SECONDS = 60


def _database_sessions() -> int:
    """Sessions ever opened to the test database (PostgreSQL counts them per database)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _worker_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                       [APP_NAME])
        return int(cursor.fetchone()[0])


def _wait(condition, what: str, worker) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n"
                        f"{worker.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {DEADLINE_SECONDS}s" +
                        (f"; worker log:\n{worker.output()}" if worker else ""))
        time.sleep(0.2)


def test_a_burst_of_tasks_reuses_the_workers_connections(tmp_path, monkeypatch, settings,
                                                         customer, department):
    settings.DESTEK_OUTBOX_COALESCE = False  # one delivery task per ticket: the burst
    DELIVERY_WAKEUP.woken()
    worker_database_url()  # skips on SQLite before the PostgreSQL statistics are read
    sessions_before = _database_sessions()
    with real_celery_worker(tmp_path, monkeypatch,
                            (deliver_outbox, deliver_outbox_many, deliver_outbox_due),
                            env={"PGAPPNAME": APP_NAME}, pool="prefork",
                            concurrency=PROCESSES) as worker:
        for number in range(TICKETS):
            open_ticket(customer=customer, department=department, subject=f"Burst {number}")
        rows = OutboundEmail.objects.all()
        _wait(lambda: rows.exclude(status=OutboxStatus.SENT).count() == 0 and rows.count(),
              "the emails were not all delivered", worker)
        assert rows.count() >= TICKETS
        # One connection per worker process, not a pool each.
        assert _worker_connections() <= PROCESSES
    _wait(lambda: _worker_connections() == 0, "the worker's sessions did not end", None)

    # Each process's connection, and a little slack (this test's own pool may open one); the
    # old behaviour opened about three per delivered email.
    assert _database_sessions() - sessions_before <= PROCESSES + 2


def test_a_kept_connection_the_database_closed_is_replaced(tmp_path, monkeypatch, settings,
                                                           customer, department):
    """What a database restart does to a worker between two tasks: the next task's health
    check finds the connection dead and opens a new one, and the task does its work."""
    settings.DESTEK_OUTBOX_COALESCE = False
    DELIVERY_WAKEUP.woken()
    rows = OutboundEmail.objects.all()
    with real_celery_worker(tmp_path, monkeypatch, (deliver_outbox, deliver_outbox_many),
                            env={"PGAPPNAME": APP_NAME}, pool="prefork",
                            concurrency=1) as worker:
        open_ticket(customer=customer, department=department, subject="Before")
        _wait(lambda: rows.filter(status=OutboxStatus.SENT).count() == rows.count(),
              "the first email was not delivered", worker)
        assert _worker_connections() == 1  # kept after the task
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                           " WHERE application_name = %s", [APP_NAME])
        _wait(lambda: _worker_connections() == 0, "the session was not terminated", worker)

        open_ticket(customer=customer, department=department, subject="After")
        _wait(lambda: rows.filter(status=OutboxStatus.SENT).count() == rows.count(),
              "the email after the restart was not delivered", worker)

    assert set(rows.values_list("attempts", flat=True)) == {1}
