"""Waking a worker once per burst of work instead of publishing one Celery task per item.

Publishing a task costs the producer about 0.7 ms of CPU (Celery builds and encodes a
message) and the worker more to receive it; under load most such tasks find their item
already handled by an earlier task's batch. When the cache is shared by the producers and
the workers (Redis), a producer publishes only if it creates the short-lived key (an atomic
`add`):

* A woken task calls `woken()` FIRST, then looks for its work. An item committed before
  that sees its work found; one committed after finds the key gone and publishes a new task
  (or finds the key of a newer task that has not started yet: that task looks later still).
* A key outlives its task only if the task was lost (a broker losing it, a worker killed
  before `woken()`): it expires after `seconds` (set when it is created, never extended),
  the next item publishes again, and the caller's beat sweeper catches anything left.

With a per-process cache (locmem, the embedded default) the key cannot be shared, so
`coalescing()` is false and the caller publishes per item, as it would without this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wakeup:
    key: str
    publish: Callable[[], None]  # sends the task; may raise (logged, the sweeper catches up)
    setting: str  # True/False forces coalescing on or off; unset: when the cache is shared
    seconds: int = 10

    def coalescing(self) -> bool:
        configured = getattr(settings, self.setting, None)
        if configured is not None:
            return bool(configured)
        return not isinstance(caches["default"], LocMemCache | DummyCache)

    def _claim_key(self) -> bool:
        """Create the key unless it exists (atomic); True when this call created it. On
        Redis, Django's `add` of an integer is one plain `SET key 1 NX EX seconds` (integers
        are stored unpickled), so every cache takes this one path."""
        return bool(cache.add(self.key, 1, timeout=self.seconds))

    def wake(self) -> None:
        """Publish a wake-up task unless one is already waiting to start."""
        try:
            if not self._claim_key():
                return
        except Exception:  # a cache outage must not stop the work: publish
            logger.warning("Wake-up key %s unavailable; publishing anyway", self.key,
                           exc_info=True)
        try:
            self.publish()
        except Exception:
            logger.warning("Could not publish the wake-up for %s", self.key, exc_info=True)
            self.woken()  # nothing will start: the next item must publish again

    def woken(self) -> None:
        """A wake-up task starts: from now on an item publishes a new one."""
        try:
            cache.delete(self.key)
        except Exception:  # the key expires on its own; the next item may wait `seconds`
            logger.warning("Could not delete the wake-up key %s", self.key, exc_info=True)
