"""Per-user and per-address request rates: a sliding-window counter, read from settings on
every request.

DRF's throttles keep every request's timestamp in one cache entry and rewrite the whole
list on each request: at the default 6,000 requests a minute that is a pickled list of
thousands of floats read and written per call. A sliding-window counter (the count of the
current fixed window plus the previous window's count weighted by how much of it still
overlaps the last `duration` seconds) costs one counter increment and one read, with the same
limit to within the previous window's spread. It goes through Django's cache API on every
cache: on Redis that is four small commands (SET NX EX, EXISTS, INCR, GET) where a pipeline
of redis-py's would take one round trip, about 0.2 ms of CPU per API request (0.07 ms per
cache call, destek.core.cache), a few percent: not worth a second, Redis-only version.

DRF's throttles also copy ``DEFAULT_THROTTLE_RATES`` into a class attribute at import time,
so a changed setting (an override in a test, a reloaded configuration) would be ignored;
these read ``settings.REST_FRAMEWORK`` when each request is checked instead.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling


def _window_counts(current_key: str, previous_key: str, timeout: int) -> tuple[int, int]:
    """Increment the current window's counter; return (previous count, current count)."""
    cache.add(current_key, 0, timeout)  # the window's counter, created with its expiry
    current = cache.incr(current_key)  # atomic; the key outlives its window (timeout)
    return int(cache.get(previous_key) or 0), int(current)


def _undo(current_key: str) -> None:
    """A refused request does not use up the allowance."""
    with contextlib.suppress(ValueError):  # expired meanwhile
        cache.decr(current_key)


class _SlidingWindowThrottle(throttling.SimpleRateThrottle):
    scope: str | None
    num_requests: int | None  # set by SimpleRateThrottle.__init__ from the rate
    duration: int | None

    def get_rate(self) -> str | None:
        rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
        try:
            return rates[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No throttle rate set for the {self.scope!r} scope") from None

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None or self.num_requests is None or not self.duration:
            return True
        limit, duration = self.num_requests, self.duration
        now = self.timer()
        window = int(now // duration)
        current_key = f"{key}:{window}"
        previous, current = _window_counts(current_key, f"{key}:{window - 1}",
                                           timeout=2 * duration)
        elapsed = now - window * duration
        overlap = 1 - elapsed / duration  # share of the previous window still in view
        if previous * overlap + current <= limit:
            return True
        _undo(current_key)
        current -= 1
        # When will one more request fit? When the previous window's weight has fallen far
        # enough, or at the next window if this one alone is full.
        if current >= limit or previous == 0:
            self._wait = duration - elapsed
        else:
            fits_at = duration * (1 - (limit - current - 1) / previous)
            self._wait = max(fits_at - elapsed, 0.0)
        return False

    def wait(self) -> float | None:
        return max(1.0, math.ceil(round(getattr(self, "_wait", self.duration or 1), 6)))


class UserRateThrottle(_SlidingWindowThrottle, throttling.UserRateThrottle):
    """Authenticated requests, counted per user (DESTEK_API_USER_RATE)."""


class AnonRateThrottle(_SlidingWindowThrottle, throttling.AnonRateThrottle):
    """Unauthenticated requests, counted per client address (DESTEK_API_ANON_RATE)."""
