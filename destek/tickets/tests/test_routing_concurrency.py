"""Two tickets routed at once on PostgreSQL: the second takes the next agent in line instead
of waiting for the first to commit, and waits only when every candidate is taken."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import AssignmentMode
from destek.tickets.services.routing import pick_assignee

pytestmark = pytest.mark.django_db(transaction=True)


def _routed(department, n: int):  # type: ignore[no-untyped-def]
    department.assignment_mode = AssignmentMode.ROUND_ROBIN
    department.save()
    return [MembershipFactory(department=department, agent=AgentFactory()).agent
            for _ in range(n)]


def _hold_a_pick(department, picked: list, release: threading.Event,  # type: ignore[no-untyped-def]
                 ready: threading.Event) -> threading.Thread:
    def run() -> None:
        try:
            with transaction.atomic():
                picked.append(pick_assignee(department=department))
                ready.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert ready.wait(10)
    return thread


def _a_backend_waits_for_a_lock() -> bool:
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                           " current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED routing is PostgreSQL's; SQLite writes one at a time")


def test_a_concurrent_ticket_takes_the_next_agent_without_waiting(department):
    first, second = _routed(department, 2)
    held: list = []
    release, ready = threading.Event(), threading.Event()
    thread = _hold_a_pick(department, held, release, ready)
    try:
        # Had it waited for the other transaction, it would have got `first` once that one
        # gave up holding (after 10 s).
        with transaction.atomic():
            mine = pick_assignee(department=department)
    finally:
        release.set()
        thread.join(10)
    assert held == [first]
    assert mine == second


def test_when_every_agent_is_taken_the_ticket_waits_for_the_first_in_line(department):
    (only,) = _routed(department, 1)
    held: list = []
    release, ready = threading.Event(), threading.Event()
    thread = _hold_a_pick(department, held, release, ready)
    result: list = []

    def second_pick() -> None:
        try:
            with transaction.atomic():
                result.append(pick_assignee(department=department))
        finally:
            connection.close()

    waiter = threading.Thread(target=second_pick)
    waiter.start()
    assert _a_backend_waits_for_a_lock()  # on the taken membership, not left unassigned
    assert result == []
    release.set()
    thread.join(10)
    waiter.join(10)
    assert held == [only] and result == [only]
