"""Celery tasks: thin adapters over destek.notifications.delivery. They take ids and are
idempotent, so a task delivered twice (acks_late, a redelivery after a lost worker) is safe."""

from __future__ import annotations

from celery import shared_task

from destek.notifications import delivery
from destek.notifications.outbox import DELIVERY_WAKEUP, enqueue


@shared_task(name="destek.notifications.tasks.deliver_outbox")
def deliver_outbox(outbox_id: int) -> str:
    return delivery.deliver(int(outbox_id)).value


@shared_task(name="destek.notifications.tasks.deliver_outbox_many")
def deliver_outbox_many(outbox_ids: list[int]) -> list[str]:
    """The rows one transaction wrote, claimed and read together, sent one after the other."""
    return [outcome.value for outcome in delivery.deliver_many([int(i) for i in outbox_ids])]


@shared_task(name="destek.notifications.tasks.deliver_outbox_due")
def deliver_outbox_due() -> int:
    """Woken after commits (outbox.DELIVERY_WAKEUP): deliver the oldest due rows; when there
    are more than one batch, wake another worker first so they drain the backlog together.
    Returns how many rows this run took."""
    DELIVERY_WAKEUP.woken()  # first: a row committed from now on publishes a new wake-up
    ids = delivery.due_ids(limit=delivery.WAKEUP_BATCH)
    if len(ids) == delivery.WAKEUP_BATCH:
        DELIVERY_WAKEUP.wake()
    outcomes = delivery.deliver_many(ids)
    return sum(outcome != delivery.Outcome.SKIPPED for outcome in outcomes)


@shared_task(name="destek.notifications.tasks.sweep_outbox")
def sweep_outbox() -> int:
    """Scheduled by beat (CELERY_BEAT_SCHEDULE "outbox-sweep"): deliver what is due, then
    purge old sent rows; returns how many deliveries were enqueued."""
    ids = delivery.sweep()
    for outbox_id in ids:
        enqueue(outbox_id)
    delivery.purge_sent()
    return len(ids)
