"""The knowledge base's hand-written SQL, all of it: full-text search, which the ORM cannot
say. PostgreSQL keeps a weighted tsvector per article (ON CONFLICT upsert, ts_rank /
ts_rank_cd, the pg_trgm distance operator under LATERAL); SQLite keeps an FTS5 virtual table
(MATCH, bm25), which is no model. Two engines behind one Backend interface
(destek.kb.search.base); the same search tests run on both databases.

Table and column names come from the models (the FTS5 table is created by migration 0002).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Field, Model, Q

from destek.kb.models import SearchIndex, SearchTerm

# --- PostgreSQL ------------------------------------------------------------------------------

_INDEX = SearchIndex._meta.db_table
_TERMS = SearchTerm._meta.db_table


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


_ARTICLE = _column(SearchIndex, "article")
_VECTOR = _column(SearchIndex, "vector")
_TITLE_VECTOR = _column(SearchIndex, "title_vector")
_COPIED = [_column(SearchIndex, f)
           for f in ("language", "audience", "status", "publish_at", "category")]
_TERM = _column(SearchTerm, "term")
_TERM_LANGUAGE = _column(SearchTerm, "language")

_UPSERT_COLUMNS = ", ".join([_ARTICLE, _TITLE_VECTOR, _VECTOR, *_COPIED])
_COPIED_VALUES = ", ".join(["%s"] * len(_COPIED))
_ON_CONFLICT = ", ".join(f"{c} = EXCLUDED.{c}" for c in (_TITLE_VECTOR, _VECTOR, *_COPIED))
_UPSERT = (
    f"INSERT INTO {_INDEX} ({_UPSERT_COLUMNS}) "  # noqa: S608 (names from the models)
    "SELECT %s, t, setweight(t, 'A') || setweight(to_tsvector(%s::regconfig, %s), 'B'), "
    f"{_COPIED_VALUES} FROM to_tsvector(%s::regconfig, %s) AS t "
    f"ON CONFLICT ({_ARTICLE}) DO UPDATE SET {_ON_CONFLICT}"
)


def pg_index(*, article_id: int, config: str, title: str, body: str,
             copied: list[Any]) -> None:
    """Write an article's vectors (title weighted A, body B) and its copied fields, in the
    order language, audience, status, publish_at, category id."""
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [article_id, config, body, *copied, config, title])


def pg_scope(scope: Q) -> tuple[str, list[Any]]:
    """The scope (an Article filter, destek.kb.access) as conditions on the search index's own
    columns (its copies of the article's audience, status, publishing time, language and
    category), applied in the same scan as the match: not a second lookup of each matching
    row (a semi-join cost ~6 ms a search). SQL compiled by the ORM."""
    query = SearchIndex.objects.filter(scope).query
    if set(query.alias_map) - {_INDEX}:  # a condition through a join
        inner, params = SearchIndex.objects.filter(scope).values("article_id").query \
            .sql_with_params()
        return f"{_INDEX}.{_ARTICLE} IN ({inner})", list(params)
    where, params = query.get_compiler(connection=connection).compile(query.where)
    return (where or "TRUE"), list(params)


def pg_match(*, tsquery: str, params: list[str], where_sql: str, where_params: list[Any],
             candidates: int, limit: int) -> list[tuple[int, float]]:
    """(article id, rank), best first. Ranking every match with ts_rank_cd costs ~8 µs a row
    and a common word matches half of 10,000 articles: matches are first ordered by their
    small title vectors, and only the best `candidates` get the full rank over title and
    body (their vectors read again by primary key: carrying every match's vector through the
    sort cost 5-10 % more)."""
    sql = (
        f"WITH q AS (SELECT {tsquery} AS query), "  # noqa: S608 (built from the models and
        f"c AS (SELECT {_INDEX}.{_ARTICLE}, "        # parameter placeholders only)
        f"      ts_rank({_INDEX}.{_TITLE_VECTOR}, q.query) AS t "
        f"      FROM {_INDEX}, q WHERE {_INDEX}.{_VECTOR} @@ q.query "
        f"     AND {where_sql} "
        f"      ORDER BY t DESC, {_INDEX}.{_ARTICLE} LIMIT %s) "
        f"SELECT c.{_ARTICLE}, c.t + ts_rank_cd(s.{_VECTOR}, q.query, 1) AS rank "
        f"FROM c JOIN {_INDEX} s ON s.{_ARTICLE} = c.{_ARTICLE}, q "
        f"ORDER BY rank DESC, c.{_ARTICLE} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params, candidates, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


_NEAREST = (
    f"SELECT w, t.{_TERM} FROM unnest(%s::text[]) AS w, LATERAL ("  # noqa: S608 (models)
    f"  SELECT {_TERM} FROM {_TERMS} WHERE {_TERM_LANGUAGE} = ANY(%s)"
    f"  ORDER BY {_TERM} <-> w LIMIT %s) AS t"
)


def pg_nearest_terms(*, words: list[str], languages: list[str],
                     limit: int) -> list[tuple[str, str]]:
    """(word, known term) pairs, the `limit` nearest terms of each word first: the GiST
    trigram index answers "nearest first" (<->) without a similarity threshold."""
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST, [words, languages, limit])
        return [(word, term) for word, term in cursor.fetchall()]


# --- SQLite ----------------------------------------------------------------------------------

FTS_TABLE = "kb_article_fts"  # FTS5 virtual table: rowid = article id; no model


# An FTS5 table of (rowid, title, body), as the knowledge base and the suggestions board
# (destek.ideas.sql) keep one each; `table` is always one of their constant names.
def fts_table_index(table: str, *, rowid: int, title: str, body: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [rowid])  # noqa: S608
        cursor.execute(f"INSERT INTO {table} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
                       [rowid, title, body])


def fts_table_remove(table: str, rowid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [rowid])  # noqa: S608


def fts_table_match(table: str, *, expression: str, visible_sql: str,
                    visible_params: list[Any], limit: int) -> list[tuple[int, float]]:
    """(rowid, bm25 score: lower is better) among `visible_sql`'s ids, title weighted 4."""
    sql = (
        f"SELECT rowid, bm25({table}, 4.0, 1.0) AS score FROM {table} "  # noqa: S608
        f"WHERE {table} MATCH %s AND rowid IN ({visible_sql}) "
        "ORDER BY score, rowid LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression, *visible_params, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def fts_index(*, article_id: int, title: str, body: str) -> None:
    fts_table_index(FTS_TABLE, rowid=article_id, title=title, body=body)


def fts_remove(article_id: int) -> None:
    fts_table_remove(FTS_TABLE, article_id)


def fts_match(*, expression: str, visible_sql: str, visible_params: list[Any],
              limit: int) -> list[tuple[int, float]]:
    """(article id, bm25 score: lower is better) among `visible_sql`'s ids, title weighted 4."""
    return fts_table_match(FTS_TABLE, expression=expression, visible_sql=visible_sql,
                           visible_params=visible_params, limit=limit)
