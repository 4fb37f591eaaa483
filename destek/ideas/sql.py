"""The suggestions board's SQLite search: its FTS5 table of ideas, which the ORM cannot say
and which is no model, read and written through the knowledge base's FTS5 helpers (one
implementation for both tables, destek.kb.sql). PostgreSQL's search goes through the ORM
(Idea.search_vector, destek.ideas.search). The table is created by migration 0002.
"""

from __future__ import annotations

from typing import Any

from destek.kb.sql import fts_table_index, fts_table_match, fts_table_remove

FTS_TABLE = "ideas_idea_fts"  # FTS5 virtual table: rowid = idea id; no model


def fts_index(*, idea_id: int, title: str, body: str) -> None:
    fts_table_index(FTS_TABLE, rowid=idea_id, title=title, body=body)


def fts_remove(idea_id: int) -> None:
    fts_table_remove(FTS_TABLE, idea_id)


def fts_match(*, expression: str, visible_sql: str, visible_params: list[Any],
              limit: int) -> list[tuple[int, float]]:
    """(idea id, bm25 score: lower is better) among `visible_sql`'s ids, title weighted 4."""
    return fts_table_match(FTS_TABLE, expression=expression, visible_sql=visible_sql,
                           visible_params=visible_params, limit=limit)
