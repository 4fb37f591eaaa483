"""The production Redis cache shares one connection pool per process between cache objects."""

from __future__ import annotations

import os

import pytest
import redis
from django.core.cache import caches

from destek.core.testing import missing_service


@pytest.fixture
def redis_cache():  # type: ignore[no-untyped-def]
    if not os.environ.get("REDIS_URL"):
        missing_service("needs Redis (REDIS_URL)")
    from destek.core.cache import RedisCache

    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    return backend


def test_cache_objects_of_separate_requests_share_one_connection(redis_cache) -> None:  # type: ignore[no-untyped-def]
    """Under ASGI each request gets its own cache object (caches are per asyncio context);
    they must not open a Redis connection each."""
    redis_cache.set("destek-cache-test", 1, 30)  # the shared pool holds a connection now
    stats = redis.Redis.from_url(os.environ["REDIS_URL"])

    def connections_received() -> int:
        return int(stats.info("stats")["total_connections_received"])

    before = connections_received()
    for n in range(20):
        per_request = caches.create_connection("default")  # what a new context builds
        per_request.set(f"destek-cache-test-{n}", n, 30)
        assert per_request.get(f"destek-cache-test-{n}") == n
        per_request.delete(f"destek-cache-test-{n}")
    # Sequential calls reuse the one idle connection; allow one for a pool's first use.
    assert connections_received() - before <= 1
    redis_cache.delete("destek-cache-test")
    stats.close()


def test_an_integer_counter_round_trips(redis_cache) -> None:  # type: ignore[no-untyped-def]
    """What the API throttle and the wake-ups rely on: add, incr, decr and get of integers."""
    assert redis_cache.add("destek-cache-counter", 0, 30)
    assert not redis_cache.add("destek-cache-counter", 0, 30)
    assert redis_cache.incr("destek-cache-counter") == 1
    assert redis_cache.decr("destek-cache-counter") == 0
    assert redis_cache.get("destek-cache-counter") == 0
    redis_cache.delete("destek-cache-counter")
