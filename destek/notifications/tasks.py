"""Celery tasks: thin adapters over destek.notifications.delivery. They take ids and are
idempotent, so a task delivered twice (acks_late, a redelivery after a lost worker) is safe.
Also the ways to ask for a delivery: `enqueue`, `enqueue_many` and DELIVERY_WAKEUP."""

from __future__ import annotations

import logging

from celery import shared_task

from destek.core.wakeup import Wakeup
from destek.notifications import delivery

logger = logging.getLogger(__name__)


@shared_task(name="destek.notifications.tasks.deliver_outbox")
def deliver_outbox(outbox_id: int) -> str:
    return delivery.deliver(int(outbox_id)).value


@shared_task(name="destek.notifications.tasks.deliver_outbox_many")
def deliver_outbox_many(outbox_ids: list[int]) -> list[str]:
    """The rows one transaction wrote, claimed and read together, sent one after the other."""
    return [outcome.value for outcome in delivery.deliver_many([int(i) for i in outbox_ids])]


@shared_task(name="destek.notifications.tasks.deliver_outbox_due")
def deliver_outbox_due() -> int:
    """Woken after commits (DELIVERY_WAKEUP): deliver the oldest due rows; when there
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


def _publish_delivery_wakeup() -> None:
    deliver_outbox_due.delay()


# Under load, one delivery task per burst of committed rows rather than per transaction
# (destek.core.wakeup); DESTEK_OUTBOX_COALESCE forces it on or off.
DELIVERY_WAKEUP = Wakeup(key="destek:outbox:wake", publish=_publish_delivery_wakeup,
                         setting="DESTEK_OUTBOX_COALESCE")


def enqueue_many(outbox_ids: list[int]) -> None:
    """One delivery task for several rows (one `enqueue` when there is only one)."""
    if len(outbox_ids) == 1:
        enqueue(outbox_ids[0])
        return
    try:
        deliver_outbox_many.delay(list(outbox_ids))
    except Exception:  # the rows are safe in the database; the sweeper retries them
        logger.warning("Could not enqueue delivery of outbound emails %s", outbox_ids,
                       exc_info=True)


def enqueue(outbox_id: int) -> None:
    """Send the delivery task; a broker failure is logged, the sweeper delivers later."""
    try:
        deliver_outbox.delay(outbox_id)
    except Exception:  # the row is safe in the database; the sweeper retries it
        logger.warning("Could not enqueue delivery of outbound email %s", outbox_id,
                       exc_info=True)
