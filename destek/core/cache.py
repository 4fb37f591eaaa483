"""Django's Redis cache, without building a new Redis client for every operation.

Django's ``RedisCacheClient.get_client`` wraps the shared connection pool in a fresh
``redis.Redis`` object on every cache call, and redis-py fills a response-callback table of
several hundred entries in each constructor: about a millisecond of CPU per cache read,
several per request. A client is thread-safe (each command borrows a pooled connection), so
one per pool is enough.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # the stubs omit these private helpers
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """``destek.core.cache.RedisCache``: the production cache backend (settings.CACHES)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient  # Django sets its own in __init__

    def raw_client(self, *, write: bool = True) -> Any:
        """The redis-py client, for the few atomic commands the cache API lacks."""
        return self._cache.get_client(write=write)
