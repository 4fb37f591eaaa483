"""The suggestions board's hand-written SQL, all of it: SQLite's FTS5 table of ideas (MATCH,
bm25), which the ORM cannot say and which is no model. PostgreSQL's search goes through the
ORM (Idea.search_vector, destek.ideas.search). The table is created by migration 0002.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

FTS_TABLE = "ideas_idea_fts"  # FTS5 virtual table: rowid = idea id; no model
_FTS_DELETE = f"DELETE FROM {FTS_TABLE} WHERE rowid = %s"  # noqa: S608 (a constant name)
_FTS_INSERT = f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)"  # noqa: S608


def fts_index(*, idea_id: int, title: str, body: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_FTS_DELETE, [idea_id])
        cursor.execute(_FTS_INSERT, [idea_id, title, body])


def fts_remove(idea_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_FTS_DELETE, [idea_id])


def fts_match(*, expression: str, visible_sql: str, visible_params: list[Any],
              limit: int) -> list[tuple[int, float]]:
    """(idea id, bm25 score: lower is better) among `visible_sql`'s ids, title weighted 4."""
    sql = (
        f"SELECT rowid, bm25({FTS_TABLE}, 4.0, 1.0) AS score FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({visible_sql}) "
        "ORDER BY score, rowid LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression, *visible_params, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]
