"""Django's Redis cache with one connection pool per process.

Django keeps its cache objects per asyncio context, and under ASGI every request runs in a
new one: each request built a new cache object with a new, empty connection pool, so every
request that touched the cache (sessions, the API throttle) opened a new TCP connection to
Redis (about 9 % of an API request's time in bench/results/40-s4-*). The pools live here,
per process and server, the way django-redis keeps its pools; Django's cache takes them
through its documented `pool_class` option. redis-py's pools are thread-safe and start
afresh after a fork.

Not done on purpose: sharing one redis-py client between threads instead of a client per
operation on the shared pool. It serialized the desk's requests under load
(bench/results/31-s3-queue-only: 57 queue pages/s with the machine 60 % busy, against 92/s).
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

_pools: dict[tuple[str, str], SharedConnectionPool] = {}
_pools_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    """redis-py's pool, built once per server and options in this process: Django's client
    calls `from_url` for every new cache object, and gets the process's pool back."""

    @classmethod
    def from_url(cls, url: str, **options: Any) -> SharedConnectionPool:
        key = (url, repr(sorted(options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = super().from_url(url, **options)
        return pool


class RedisCache(DjangoRedisCache):
    """``destek.core.cache.RedisCache``: the production cache backend (settings.CACHES)."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        options = {"pool_class": SharedConnectionPool, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
