"""The hosting app's SQL that the ORM cannot say (DESIGN.md, "Speed without losing the house").

`analyze`: refresh the planner's statistics of the tables an import is filling. A big import
grows `hosting_service` and `accounts_user` from nothing to 100,000 rows in a minute, faster
than autovacuum's analyze follows; on statistics that still say "a few rows" PostgreSQL reads
whole tables for every batch's lookups. Analyzing each time the tables have doubled took an
import of 40,000 services from 40.4 s to 31.3 s (−23 %, bench/README.md "Issue 15"). The
statement is the same on SQLite and PostgreSQL (SQLite refreshes sqlite_stat1)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def analyze(*, models: list[type[Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
