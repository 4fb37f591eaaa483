"""The fan-out of an incident update to everyone it concerns (destek.status.fanout): one task
per batch, each enqueueing the next; webhook deliveries; the sweeper for both. Thin
adapters over destek.status.sending and destek.status.webhooks; idempotent (acks_late)."""

from __future__ import annotations

import logging
import time

from celery import shared_task

from destek.status import sending, webhooks

logger = logging.getLogger(__name__)


# A task goes on with the next batches for this long before it hands over to a new task:
# fewer trips through the broker, while the delivery tasks queued meanwhile still get their
# turn. Each batch is still its own transaction (a killed worker loses one).
TASK_SECONDS = 2.0


@shared_task(name="destek.status.fanout_tasks.fanout_step")
def fanout_step(update_id: int, step: int) -> int:
    """Batch number `step` of the update's fan-out and the following ones for up to
    TASK_SECONDS, then a task for the next one. Returns the number of the batch it handed
    on (-1: the fan-out is finished, or `step` was not due: a duplicate task)."""
    started = time.monotonic()
    next_step: int | None = int(step)
    while next_step is not None:
        result = sending.send_step(update_id=int(update_id), step=next_step)
        for delivery_id in result.webhook_ids:
            enqueue_webhook(delivery_id)
        next_step = result.next_step
        if next_step is not None and time.monotonic() - started > TASK_SECONDS:
            enqueue_step(int(update_id), next_step)
            return next_step
    return -1


@shared_task(name="destek.status.fanout_tasks.deliver_status_webhook")
def deliver_status_webhook(delivery_id: int) -> str:
    return webhooks.deliver(int(delivery_id))


@shared_task(name="destek.status.fanout_tasks.sweep_status_fanouts")
def sweep_status_fanouts() -> int:
    """Beat ("status-fanout-sweep"): fan-outs with no batch committed for a while (their
    worker died, their task was lost) go on from their last committed batch; webhook
    deliveries due or stuck are sent. Returns how many tasks it enqueued."""
    stalled = sending.stalled_fanouts()
    for update_id, step in stalled:
        enqueue_step(update_id, step)
    due = webhooks.sweep()
    for delivery_id in due:
        enqueue_webhook(delivery_id)
    return len(stalled) + len(due)


def enqueue_step(update_id: int, step: int) -> None:
    """Send a batch's task; a broker failure is logged, the sweeper resumes the fan-out."""
    try:
        fanout_step.delay(update_id, step)
    except Exception:  # the fan-out's state is in the database; the sweeper resumes it
        logger.warning("Could not enqueue the fan-out of update %s (batch %s)", update_id,
                       step, exc_info=True)


def enqueue_webhook(delivery_id: int) -> None:
    try:
        deliver_status_webhook.delay(delivery_id)
    except Exception:  # the row waits in the database; the sweeper sends it
        logger.warning("Could not enqueue status webhook delivery %s", delivery_id,
                       exc_info=True)
