"""Celery tasks: thin adapters over destek.notifications.delivery. They take ids and are
idempotent, so a task delivered twice (acks_late, a redelivery after a lost worker) is safe."""

from __future__ import annotations

from celery import shared_task

from destek.notifications import delivery
from destek.notifications.outbox import enqueue


@shared_task(name="destek.notifications.tasks.deliver_outbox")
def deliver_outbox(outbox_id: int) -> str:
    return delivery.deliver(int(outbox_id)).value


@shared_task(name="destek.notifications.tasks.deliver_outbox_many")
def deliver_outbox_many(outbox_ids: list[int]) -> list[str]:
    """The rows one transaction wrote, claimed and read together, sent one after the other."""
    return [outcome.value for outcome in delivery.deliver_many([int(i) for i in outbox_ids])]


@shared_task(name="destek.notifications.tasks.sweep_outbox")
def sweep_outbox() -> int:
    """Scheduled by beat (CELERY_BEAT_SCHEDULE "outbox-sweep"): deliver what is due, then
    purge old sent rows; returns how many deliveries were enqueued."""
    ids = delivery.sweep()
    for outbox_id in ids:
        enqueue(outbox_id)
    delivery.purge_sent()
    return len(ids)
