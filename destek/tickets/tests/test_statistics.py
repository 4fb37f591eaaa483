"""PostgreSQL re-reads tickets_ticket's statistics early (migration 0010): the open queues'
plans depend on them."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_tickets_are_analyzed_after_two_percent_changed() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage parameter")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'tickets_ticket'")
        (options,) = cursor.fetchone()
    assert "autovacuum_analyze_scale_factor=0.02" in (options or [])
