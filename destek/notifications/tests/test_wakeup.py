"""Coalesced delivery: one wake-up task per burst of commits, and the woken task delivers
every due row, so nothing waits for the sweeper while the workers keep up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from destek.notifications import delivery, tasks
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.outbox import outbox_email_create
from destek.notifications.tasks import DELIVERY_WAKEUP

pytestmark = pytest.mark.django_db


class Published:
    def __init__(self) -> None:
        self.due = 0
        self.per_transaction = 0


@pytest.fixture
def published(monkeypatch, settings) -> Published:  # type: ignore[no-untyped-def]
    settings.DESTEK_OUTBOX_COALESCE = True
    counts = Published()

    def due() -> None:
        counts.due += 1

    def per_transaction(*_args: object) -> None:
        counts.per_transaction += 1

    monkeypatch.setattr(tasks.deliver_outbox_due, "delay", due)
    monkeypatch.setattr(tasks.deliver_outbox_many, "delay", per_transaction)
    monkeypatch.setattr(tasks.deliver_outbox, "delay", per_transaction)
    DELIVERY_WAKEUP.woken()  # no key left over from another test
    yield counts
    DELIVERY_WAKEUP.woken()


@pytest.fixture
def sent(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    ids: list[int] = []

    class Recording:
        def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
                 raw: bytes) -> None:
            ids.append(outbox_id)

    monkeypatch.setattr(delivery, "current_transport", Recording)
    return ids


def commit_row(django_capture_on_commit_callbacks, subject: str = "Hi") -> OutboundEmail:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return outbox_email_create(
            message=mail.EmailMessage(subject, "Body", None, ["to@example.com"]))


def test_a_burst_of_commits_publishes_one_wakeup(published, django_capture_on_commit_callbacks):
    for n in range(3):
        commit_row(django_capture_on_commit_callbacks, f"Burst {n}")
    assert (published.due, published.per_transaction) == (1, 0)


def test_the_woken_task_delivers_every_due_row_then_the_next_commit_wakes_again(
        published, sent, django_capture_on_commit_callbacks):
    first = commit_row(django_capture_on_commit_callbacks)
    second = commit_row(django_capture_on_commit_callbacks)
    later = OutboundEmail.objects.filter(pk=second.pk)
    not_due = commit_row(django_capture_on_commit_callbacks)
    OutboundEmail.objects.filter(pk=not_due.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5))  # a retry waiting its turn
    assert published.due == 1

    assert tasks.deliver_outbox_due() == 2
    assert sent == [first.pk, second.pk]
    assert later.get().status == OutboxStatus.SENT
    assert OutboundEmail.objects.get(pk=not_due.pk).status == OutboxStatus.PENDING

    third = commit_row(django_capture_on_commit_callbacks)  # after the task started
    assert published.due == 2
    assert tasks.deliver_outbox_due() == 1
    assert sent[-1] == third.pk


def test_a_full_batch_wakes_another_worker_before_delivering(
        published, sent, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(delivery, "WAKEUP_BATCH", 2)
    rows = [commit_row(django_capture_on_commit_callbacks, f"Backlog {n}") for n in range(3)]
    assert published.due == 1

    assert tasks.deliver_outbox_due() == 2
    assert published.due == 2  # the rest has a worker on the way
    assert tasks.deliver_outbox_due() == 1
    assert published.due == 2  # the last batch was not full
    assert sent == [row.pk for row in rows]


def test_a_failed_publish_leaves_no_key_behind(published, monkeypatch,
                                               django_capture_on_commit_callbacks):
    def broker_down() -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_outbox_due, "delay", broker_down)
    row = commit_row(django_capture_on_commit_callbacks)  # the row is safe; the sweeper has it
    assert OutboundEmail.objects.get(pk=row.pk).status == OutboxStatus.PENDING

    monkeypatch.setattr(tasks.deliver_outbox_due, "delay",
                        lambda: setattr(published, "due", published.due + 1))
    commit_row(django_capture_on_commit_callbacks)
    assert published.due == 1  # the next commit publishes: no stale key waits for expiry


def test_per_process_cache_publishes_per_transaction(settings, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    calls: list[object] = []
    monkeypatch.setattr(tasks.deliver_outbox_due, "delay", lambda: calls.append("due"))
    monkeypatch.setattr(tasks.deliver_outbox, "delay", lambda *a: calls.append("row"))
    assert not DELIVERY_WAKEUP.coalescing()  # workers cannot see a locmem key
    commit_row(django_capture_on_commit_callbacks)
    commit_row(django_capture_on_commit_callbacks)
    assert calls == ["row", "row"]
