"""Waking the workers for stored mail: one task per burst of stores, not one per email.

Every email used to publish its own task, and most of those tasks found their email already
filed in another task's batch (~1 ms of CPU each, in the producer and in a worker, for
nothing). When the cache is shared by the producers and the workers (Redis), a store
publishes a wake-up only if it creates WAKEUP's short-lived key (destek.core.wakeup says
why nothing is lost). The woken task (`processing.process_waiting`) deletes the key first,
then claims the oldest waiting batch; when that batch was full it wakes the next task before
filing, so the workers drain a backlog together. Interrupted emails (a killed worker) and
anything a lost wake-up left behind go through their own task from the beat sweeper.

With a per-process cache (locmem, the embedded default) or DESTEK_MAIL_COALESCE = False,
every email publishes its own task, as before.
"""

from __future__ import annotations

from destek.core.wakeup import Wakeup


def publish() -> None:
    """Send the wake-up task (raises when the broker is unreachable)."""
    from destek.mail.tasks import process_waiting_inbound

    process_waiting_inbound.delay()


WAKEUP = Wakeup(key="destek:mail:inbound-wake", publish=lambda: publish(),
                setting="DESTEK_MAIL_COALESCE")


def stored(inbound_id: int) -> None:
    """An email was committed: make sure a worker will look for it."""
    from destek.mail import processing

    if WAKEUP.coalescing():
        WAKEUP.wake()
    else:
        processing.enqueue(inbound_id)
