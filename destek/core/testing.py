"""Helpers for tests that start real processes (Celery workers, servers) beside pytest."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from django.db import connection


def missing_service(reason: str) -> None:
    """Skip, or fail on CI where DESTEK_REQUIRE_SERVICES=1 promises the service is there."""
    if os.environ.get("DESTEK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (DESTEK_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def worker_database_url() -> str:
    """A URL for the test database pytest-django created, for another process's settings."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: these tests run a worker process against the suite's "
                    "PostgreSQL test database (SQLite's is a private temporary file)")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"
