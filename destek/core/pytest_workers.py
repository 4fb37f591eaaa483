"""pytest plugin: each xdist worker gets its own Redis database.

Loaded with `-p` (pyproject's addopts), so it runs before pytest-django reads the settings. Two
workers sharing one Redis database would share the cache, the channel layer and the rate-limit
counters: one test's `cache.clear()` or channel group would reach the other worker's test.
Worker `gwN` uses database base + 1 + N of REDIS_URL (base 0 when the URL names none)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def redis_url_for_worker(url: str, worker: str) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + 1 + int(worker.removeprefix('gw'))}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], _worker)
