"""The production Redis cache gives the throttle a redis-py client on its own pool."""

from __future__ import annotations

import os

import pytest
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


def test_raw_client_talks_to_the_cache_database(redis_cache) -> None:  # type: ignore[no-untyped-def]
    redis_cache.set("destek-cache-test", 41, 30)
    raw = redis_cache.raw_client()
    key = redis_cache.make_and_validate_key("destek-cache-test")
    assert raw.incr(key) == 42
    assert redis_cache.get("destek-cache-test") == 42
    redis_cache.delete("destek-cache-test")
    assert redis_cache.get("destek-cache-test") is None


def test_cache_objects_of_separate_requests_share_one_connection(redis_cache) -> None:  # type: ignore[no-untyped-def]
    """Under ASGI each request gets its own cache object (caches are per asyncio context);
    they must not open a Redis connection each."""
    raw = redis_cache.raw_client()
    raw.ping()  # the shared pool holds a connection now

    def connections_received() -> int:
        return int(raw.info("stats")["total_connections_received"])

    before = connections_received()
    for n in range(20):
        per_request = caches.create_connection("default")  # what a new context builds
        per_request.set(f"destek-cache-test-{n}", n, 30)
        assert per_request.get(f"destek-cache-test-{n}") == n
        per_request.delete(f"destek-cache-test-{n}")
    # Sequential calls reuse the one idle connection; allow one for a pool's first use.
    assert connections_received() - before <= 1
