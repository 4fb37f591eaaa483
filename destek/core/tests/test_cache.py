"""The production Redis cache reuses one redis-py client per connection pool."""

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


def test_one_client_per_pool_and_it_works(redis_cache) -> None:  # type: ignore[no-untyped-def]
    client = redis_cache._cache.get_client("a")
    assert redis_cache._cache.get_client("b") is client
    assert redis_cache.raw_client() is redis_cache._cache.get_client(write=True)
    redis_cache.set("destek-cache-test", {"n": 1}, 30)
    assert redis_cache.get("destek-cache-test") == {"n": 1}
    assert redis_cache.add("destek-cache-counter", 5, 30)
    assert redis_cache.incr("destek-cache-counter") == 6
    redis_cache.delete_many(["destek-cache-test", "destek-cache-counter"])
    assert redis_cache.get("destek-cache-test") is None
