"""Coalesced wake-ups: a burst of stored emails publishes one task, and no email is left
waiting, whenever in a task's life it was stored (destek.mail.tasks)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.core import wakeup as core_wakeup
from destek.core.cache import RedisCache
from destek.mail import processing, tasks
from destek.mail.models import InboundEmail, InboundState
from destek.mail.tests.processing_helpers import Feeder, parsed

pytestmark = pytest.mark.django_db


class Queue:
    """The broker: wake-up tasks published, run one at a time by `drain`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.waiting = 0
        self.published = 0
        self.taken: list[int] = []
        monkeypatch.setattr(tasks, "publish", self._publish)

    def _publish(self) -> None:
        self.waiting += 1
        self.published += 1

    def drain(self) -> None:
        while self.waiting:
            self.waiting -= 1
            self.taken.append(tasks.process_waiting())


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch, settings) -> Queue:  # type: ignore[no-untyped-def]
    settings.DESTEK_MAIL_COALESCE = True
    return Queue(monkeypatch)


def store(feeder: Feeder, capture, count: int = 1) -> list[InboundEmail]:  # type: ignore[no-untyped-def]
    """Store emails, each committed (its on-commit wake-up runs) before the next."""
    rows = []
    for _ in range(count):
        with capture(execute=True):
            rows.append(feeder.store(parsed()))
    return rows


def pending() -> int:
    return InboundEmail.objects.filter(state=InboundState.PENDING).count()


def test_a_burst_publishes_one_task_and_full_batches_wake_the_next(
        feeder, mailbox, queue, settings, django_capture_on_commit_callbacks):
    settings.DESTEK_MAIL_BATCH_SIZE = 3
    store(feeder, django_capture_on_commit_callbacks, 7)
    assert queue.published == 1
    queue.drain()
    assert queue.taken == [3, 3, 1]  # a full batch woke the next task; the last was not full
    assert pending() == 0


def test_mail_stored_while_a_task_runs_is_never_left_behind(
        feeder, mailbox, queue, settings, monkeypatch, django_capture_on_commit_callbacks):
    """Stored after the task deleted the key but before its claim: in its batch. Stored
    after its claim: the key is gone, so that store wakes another task."""
    settings.DESTEK_MAIL_BATCH_SIZE = 5
    claim = processing.claim_waiting
    late: list[InboundEmail] = []

    def claim_between_stores(**kwargs: int) -> list[int]:
        if late:
            return claim(**kwargs)
        late.extend(store(feeder, django_capture_on_commit_callbacks))
        ids = claim(**kwargs)
        late.extend(store(feeder, django_capture_on_commit_callbacks))
        return ids

    monkeypatch.setattr(processing, "claim_waiting", claim_between_stores)
    store(feeder, django_capture_on_commit_callbacks)
    queue.drain()
    assert queue.taken == [2, 1]
    assert pending() == 0


def test_a_key_whose_task_was_lost_strands_mail_only_until_it_expires(
        feeder, mailbox, queue, django_capture_on_commit_callbacks):
    cache.add(tasks.WAKEUP.key, 1, timeout=tasks.WAKEUP.seconds)  # its task never runs
    stranded = store(feeder, django_capture_on_commit_callbacks, 2)
    assert queue.published == 0
    cache.delete(tasks.WAKEUP.key)  # expired (WAKEUP.seconds)
    store(feeder, django_capture_on_commit_callbacks)
    assert queue.published == 1
    queue.drain()
    assert queue.taken == [3]  # the stranded ones too
    assert {r.pk for r in stranded} <= set(InboundEmail.objects.filter(
        state=InboundState.PROCESSED).values_list("pk", flat=True))


def test_a_failed_publish_frees_the_key(feeder, mailbox, monkeypatch, settings,
                                        django_capture_on_commit_callbacks):
    settings.DESTEK_MAIL_COALESCE = True
    attempts: list[int] = []

    def broker_down() -> None:
        attempts.append(1)
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "publish", broker_down)
    store(feeder, django_capture_on_commit_callbacks, 2)
    assert len(attempts) == 2  # each store tried: no key was left behind to silence it
    assert cache.get(tasks.WAKEUP.key) is None


def test_a_wake_up_leaves_interrupted_mail_to_its_own_task(feeder, mailbox, queue,
                                                         django_capture_on_commit_callbacks):
    interrupted, fresh = store(feeder, django_capture_on_commit_callbacks, 2)
    InboundEmail.objects.filter(pk=interrupted.pk).update(attempts=1)
    queue.drain()
    assert queue.taken == [1]
    assert InboundEmail.objects.get(pk=fresh.pk).state == InboundState.PROCESSED
    assert InboundEmail.objects.get(pk=interrupted.pk).state == InboundState.PENDING
    assert processing.process(interrupted.pk) == processing.Outcome.TICKET  # alone


def test_a_wake_up_with_nothing_waiting_costs_one_query(mailbox, queue):
    with CaptureQueriesContext(connection) as captured:
        assert tasks.process_waiting() == 0
    assert [q["sql"].split()[0] for q in captured.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))] == ["SELECT"]


def test_without_a_shared_cache_each_email_has_its_own_task(
        feeder, mailbox, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.DESTEK_MAIL_COALESCE = None
    monkeypatch.setattr(core_wakeup, "caches", {"default": LocMemCache("mail", {})})
    assert not tasks.WAKEUP.coalescing()
    enqueued: list[int] = []
    monkeypatch.setattr(tasks, "enqueue", enqueued.append)
    rows = store(feeder, django_capture_on_commit_callbacks, 3)
    assert enqueued == [r.pk for r in rows]


def test_a_shared_cache_coalesces_by_default(monkeypatch, settings):
    settings.DESTEK_MAIL_COALESCE = None
    monkeypatch.setattr(core_wakeup, "caches", {"default": RedisCache("redis://127.0.0.1:1/0", {})})
    assert tasks.WAKEUP.coalescing()
