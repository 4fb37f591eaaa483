"""Celery tasks of the email channel (they take ids and are idempotent), and the one way to
ask for them: `stored` after a store commits, `enqueue`, the coalesced WAKEUP.

Waking the workers for stored mail: one task per burst of stores, not one per email.
Every email used to publish its own task, and most of those tasks found their email already
filed in another task's batch (~1 ms of CPU each, in the producer and in a worker, for
nothing). When the cache is shared by the producers and the workers (Redis), a store
publishes a wake-up only if it creates WAKEUP's short-lived key (destek.core.wakeup says
why nothing is lost). The woken task (`process_waiting`) deletes the key first, then claims
the oldest waiting batch; when that batch was full it wakes the next task before filing, so
the workers drain a backlog together. Interrupted emails (a killed worker) and anything a
lost wake-up left behind go through their own task from the beat sweeper.

With a per-process cache (locmem, the embedded default) or DESTEK_MAIL_COALESCE = False,
every email publishes its own task, as before.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from destek.core.wakeup import Wakeup
from destek.mail import processing

logger = logging.getLogger(__name__)


@shared_task(name="destek.mail.tasks.process_inbound_email")
def process_inbound_email(inbound_id: int) -> str:
    outcomes = processing.process_batch(int(inbound_id))
    _enqueue_retries(outcomes)
    return outcomes.get(int(inbound_id), processing.Outcome.SKIPPED)


@shared_task(name="destek.mail.tasks.process_waiting_inbound")
def process_waiting_inbound() -> int:
    """A coalesced wake-up: file the oldest waiting batch."""
    return process_waiting()


@shared_task(name="destek.mail.tasks.sweep_inbound")
def sweep_inbound() -> int:
    """Scheduled by beat ("mail-inbound-sweep"): re-enqueue mail whose task was lost."""
    ids = processing.sweep()
    for inbound_id in ids:
        enqueue(inbound_id)
    return len(ids)


def process_waiting() -> int:
    """File the oldest waiting batch; returns how many emails it took. The key goes first,
    so a store from now on wakes another task; a full batch wakes the next one before
    filing, so the workers share a backlog."""
    WAKEUP.woken()
    size = processing.configured_batch_size()
    ids = processing.claim_waiting(batch_size=size)
    if len(ids) >= size:
        WAKEUP.wake()
    if ids:
        _enqueue_retries(processing.process_claimed(ids))
    return len(ids)


def _enqueue_retries(outcomes: dict[int, str]) -> None:
    """Emails left pending by a transient database error get their own task again."""
    for inbound_id, outcome in outcomes.items():
        if outcome == processing.Outcome.RETRY:
            enqueue(inbound_id)


def reprocess(*, ids: list[int]) -> int:
    """Put messages back in line (an admin action): quarantined or ignored ones are tried
    again; the funnel's deduplication keeps already filed ones from being filed twice."""
    with transaction.atomic():
        ids = processing.put_back_in_line(ids)
        for pk in ids:
            enqueue_on_commit(pk)
    return len(ids)


def publish() -> None:
    """Send the wake-up task (raises when the broker is unreachable)."""
    process_waiting_inbound.delay()


# `publish` is looked up when called, so tests can replace it.
WAKEUP = Wakeup(key="destek:mail:inbound-wake", publish=lambda: publish(),
                setting="DESTEK_MAIL_COALESCE")


def stored(inbound_id: int) -> None:
    """An email was committed: make sure a worker will look for it."""
    if WAKEUP.coalescing():
        WAKEUP.wake()
    else:
        enqueue(inbound_id)


def enqueue_on_commit(inbound_id: int) -> None:
    transaction.on_commit(lambda: enqueue(inbound_id), robust=True)


def enqueue(inbound_id: int) -> None:
    """Send the task; a broker failure is logged and the sweeper picks the row up later."""
    try:
        process_inbound_email.delay(inbound_id)
    except Exception:
        logger.warning("Could not enqueue inbound email %s", inbound_id, exc_info=True)
