"""Waking the workers for stored mail: one task per burst of stores, not one per email.

Every email used to publish its own task, and most of those tasks found their email already
filed in another task's batch (~1 ms of CPU each, in the producer and in a worker, for
nothing). When the cache is shared by the producers and the workers (Redis), a store
publishes a wake-up task only if it creates the short-lived WAKE_KEY (an atomic `add`):

* A woken task deletes the key FIRST, then claims the oldest waiting batch. So an email
  committed before the delete is seen by that claim, and one committed after it finds the
  key gone and publishes a new task (or finds the key of a newer task that has not started:
  its claim comes later still). When its batch was full, the task wakes the next one before
  filing, so the workers drain a backlog together.
* A key outlives its task only if the task was lost (a broker losing it, a worker killed
  before the delete): it expires after WAKE_SECONDS (set on creation only), the next store
  publishes again, and the beat sweeper (`sweep_inbound`) picks up anything left meanwhile.

With a per-process cache (locmem, the embedded default) or DESTEK_MAIL_COALESCE = False,
every email publishes its own task, as before.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

WAKE_KEY = "destek:mail:inbound-wake"
WAKE_SECONDS = 10


def coalescing() -> bool:
    """DESTEK_MAIL_COALESCE (default: when the cache is shared between processes)."""
    configured = getattr(settings, "DESTEK_MAIL_COALESCE", None)
    if configured is not None:
        return bool(configured)
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def stored(inbound_id: int) -> None:
    """An email was committed: make sure a worker will look for it."""
    from destek.mail import processing

    if coalescing():
        wake()
    else:
        processing.enqueue(inbound_id)


def wake() -> None:
    """Publish a wake-up task unless one is already waiting to start."""
    try:
        if not cache.add(WAKE_KEY, 1, timeout=WAKE_SECONDS):
            return
    except Exception:  # a cache outage must not stop the mail: publish
        logger.warning("Mail wake-up key unavailable; publishing anyway", exc_info=True)
    if not publish():
        woken()  # nothing will start: the next store must publish again


def woken() -> None:
    """A wake-up task starts: from now on a store publishes a new one."""
    try:
        cache.delete(WAKE_KEY)
    except Exception:  # the key expires on its own; the next store may wait WAKE_SECONDS
        logger.warning("Could not delete the mail wake-up key", exc_info=True)


def publish() -> bool:
    """Send the wake-up task; a broker failure is logged (the sweeper catches up later)."""
    from destek.mail.tasks import process_waiting_inbound

    try:
        process_waiting_inbound.delay()
    except Exception:
        logger.warning("Could not enqueue a mail wake-up", exc_info=True)
        return False
    return True
