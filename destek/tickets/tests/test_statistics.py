"""PostgreSQL specifics the queues rely on: statistics re-read early (tickets.0010) and the
search's trigram indexes (tickets.0011, accounts.0002)."""

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


def test_search_has_its_trigram_indexes() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm indexes exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN"
                       " ('ticket_subject_trgm', 'user_full_name_trgm', 'user_email_trgm')")
        found = dict(cursor.fetchall())
    assert sorted(found) == ["ticket_subject_trgm", "user_email_trgm", "user_full_name_trgm"]
    assert all("gin_trgm_ops" in definition and "gin_pending_list_limit='64'" in definition
               for definition in found.values())
