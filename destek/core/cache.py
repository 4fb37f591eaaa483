"""Django's Redis cache, with access to the redis-py client for the few atomic commands the
cache API lacks (the API throttle's counter pipeline).

Not done on purpose: sharing one redis-py client between threads instead of Django's new
client per operation. It saves 0.07 ms of CPU per cache call but serialized the desk's
requests under load (bench/results/31-s3-queue-only: 57 queue pages/s with the machine 60 %
busy, against 92/s at 92 % with Django's client per call).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    """``destek.core.cache.RedisCache``: the production cache backend (settings.CACHES)."""

    def raw_client(self, *, write: bool = True) -> Any:
        """A redis-py client on the cache's connection pool."""
        return self._cache.get_client(write=write)
