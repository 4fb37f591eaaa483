"""Django's Redis cache with one connection pool per process, and access to the redis-py
client for the few atomic commands the cache API lacks (the API throttle's counter pipeline).

Django keeps its cache objects per asyncio context, and under ASGI every request runs in a
new one: each request built a new cache object with a new, empty connection pool, so every
request that touched the cache (sessions, the API throttle) opened a new TCP connection to
Redis (about 9 % of an API request's time in bench/results/40-s4-*). The pools live here,
per process and server, the way django-redis keeps its pools. redis-py's pools are
thread-safe and start afresh after a fork.

Not done on purpose: sharing one redis-py client between threads instead of a client per
operation on the shared pool. It serialized the desk's requests under load
(bench/results/31-s3-queue-only: 57 queue pages/s with the machine 60 % busy, against 92/s).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_pools: dict[tuple[str, str], Any] = {}
_pools_lock = threading.Lock()


class SharedPoolClient(RedisCacheClient):
    """Django's client, taking its connection pools from the process-wide registry."""

    def _get_connection_pool(self, write: bool) -> Any:
        client: Any = self  # django-stubs leave out the client's private attributes
        server = client._servers[client._get_connection_pool_index(write)]
        options = client._pool_options
        key = (server, repr(sorted(options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = client._pool_class.from_url(server, **options)
        return pool


class RedisCache(DjangoRedisCache):
    """``destek.core.cache.RedisCache``: the production cache backend (settings.CACHES)."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolClient

    def raw_client(self, *, write: bool = True) -> Any:
        """A redis-py client on the cache's connection pool."""
        return self._cache.get_client(write=write)
