"""Celery entry points: thin adapters over delivery.py. They take ids and are idempotent, so
a task delivered twice (acks_late, a redelivery after a lost worker) is safe."""

from __future__ import annotations

import logging

from celery import shared_task

from destek.webhooks import delivery

logger = logging.getLogger(__name__)

SWEEP_CHUNK = 50


@shared_task(ignore_result=True)
def deliver(ids: list[int]) -> None:
    """Send these deliveries now (each claimed with a lease)."""
    delivery.deliver_many([int(pk) for pk in ids])


@shared_task(ignore_result=True)
def sweep_webhooks() -> int:
    """Beat, every minute ("webhook-sweep"): retries whose time came, rows a lost task or a
    killed worker left. Returns how many rows were handed to workers."""
    ids = delivery.sweep()
    for start in range(0, len(ids), SWEEP_CHUNK):
        try:
            deliver.delay(ids[start:start + SWEEP_CHUNK])
        except Exception:  # the rows stay due: the next sweep tries again
            logger.warning("Could not enqueue webhook deliveries", exc_info=True)
    return len(ids)


@shared_task(ignore_result=True)
def purge_webhook_log() -> int:
    """Beat, daily ("webhook-log-retention"): finished deliveries past DESTEK_WEBHOOK_LOG_DAYS."""
    from destek.webhooks.retention import purge_old_deliveries

    return purge_old_deliveries()
