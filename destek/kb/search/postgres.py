"""PostgreSQL: a weighted tsvector per article (GIN index), pg_trgm for typos.

English articles use the built-in `english` configuration. Turkish ones are indexed with the
`simple` configuration over terms from destek.kb.search.text, because the built-in `turkish`
stemmer alone does not match "sunucularım" with "sunucu" (see text.py).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q

from destek.kb.models import Article, SearchIndex
from destek.kb.search.base import Query, pick_nearest
from destek.kb.search.text import index_text, query_terms

CANDIDATES = 20
RANK_CANDIDATES = 200


def _lexeme(word: str) -> str:
    # Terms are letters and digits only (text.WORD); quote anyway so nothing is an operator.
    return "'" + word.replace("'", "") + "'"


def _tsquery(terms: list[str], query: Query) -> str:
    joiner = " & " if query.mode == "and" else " | "
    parts = [_lexeme(t) for t in terms]
    if query.prefix_last and parts:
        parts[-1] += ":*"
    return joiner.join(parts)


def _query_sql(query: Query) -> tuple[str, list[str]]:
    """The SQL of the tsquery, over each language present in `query`."""
    pieces: list[str] = []
    params: list[str] = []
    for language, words in query.words.items():
        if not words:
            continue
        if language == "en":
            pieces.append("to_tsquery('english', %s)")
            params.append(_tsquery(words, query))
        else:
            terms = query_terms(" ".join(words), language)
            if terms:
                pieces.append("to_tsquery('simple', %s)")
                params.append(_tsquery(terms, query))
    return " || ".join(f"({p})" for p in pieces), params


def _scope_sql(scope: Q) -> tuple[str, list[Any]]:
    """The scope as conditions on kb_searchindex's own columns (its copies of the article's
    audience, status, publishing time, language and category), applied in the same scan as
    the match: not a second lookup of each matching row (a semi-join cost ~6 ms a search)."""
    query = SearchIndex.objects.filter(scope).query
    compiler = query.get_compiler(connection=connection)
    if set(query.alias_map) - {SearchIndex._meta.db_table}:  # a condition through a join
        sql, params = SearchIndex.objects.filter(scope).values("article_id").query \
            .sql_with_params()
        return f"kb_searchindex.article_id IN ({sql})", list(params)
    sql, params = compiler.compile(query.where)
    return (sql or "TRUE"), list(params)


class PostgresBackend:
    def index(self, article: Article) -> None:
        body = f"{article.summary}\n{article.body_text}"
        if article.language == "en":
            config, title, body_terms = "english", article.title, body
        else:
            config = "simple"
            title = index_text(article.title, article.language)
            body_terms = index_text(body, article.language)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO kb_searchindex (article_id, title_vector, vector, language, "
                "audience, status, publish_at, category_id) "
                "SELECT %s, t, "
                "setweight(t, 'A') || setweight(to_tsvector(%s::regconfig, %s), 'B'), "
                "%s, %s, %s, %s, %s FROM to_tsvector(%s::regconfig, %s) AS t "
                "ON CONFLICT (article_id) DO UPDATE SET title_vector = EXCLUDED.title_vector, "
                "vector = EXCLUDED.vector, language = EXCLUDED.language, "
                "audience = EXCLUDED.audience, status = EXCLUDED.status, "
                "publish_at = EXCLUDED.publish_at, category_id = EXCLUDED.category_id",
                [article.pk, config, body_terms, article.language, article.audience,
                 article.status, article.publish_at, article.category_id, config, title],
            )

    def remove(self, article_id: int) -> None:
        SearchIndex.objects.filter(article_id=article_id).delete()

    def match(self, *, scope: Q, query: Query, limit: int) -> list[tuple[int, float]]:
        tsquery, params = _query_sql(query)
        if not tsquery:
            return []
        where_sql, where_params = _scope_sql(scope)
        # Ranking every match with ts_rank_cd costs ~8 µs a row and a common word matches
        # half of 10,000 articles: matches are first ordered by their small title vectors,
        # and only the best RANK_CANDIDATES get the full rank over title and body (their
        # vectors read again by primary key: carrying every match's vector through the sort
        # cost 5-10 % more).
        sql = (
            f"WITH q AS (SELECT {tsquery} AS query), "  # noqa: S608
            "c AS (SELECT kb_searchindex.article_id, "
            "      ts_rank(kb_searchindex.title_vector, q.query) AS t "
            "      FROM kb_searchindex, q WHERE kb_searchindex.vector @@ q.query "
            f"     AND {where_sql} "
            "      ORDER BY t DESC, kb_searchindex.article_id LIMIT %s) "
            "SELECT c.article_id, c.t + ts_rank_cd(s.vector, q.query, 1) AS rank "
            "FROM c JOIN kb_searchindex s ON s.article_id = c.article_id, q "
            "ORDER BY rank DESC, c.article_id LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *where_params, RANK_CANDIDATES, limit])
            return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def nearest_terms(self, *, words: list[str], languages: list[str]) -> dict[str, str]:
        # The GiST trigram index answers "nearest first" (<->) without a similarity
        # threshold; the final pick is the same as on SQLite (pick_nearest).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, t.term FROM unnest(%s::text[]) AS w, LATERAL ("
                "  SELECT term FROM kb_searchterm WHERE language = ANY(%s)"
                "  ORDER BY term <-> w LIMIT %s) AS t",
                [words, languages, CANDIDATES],
            )
            candidates: dict[str, list[str]] = {}
            for word, term in cursor.fetchall():
                candidates.setdefault(word, []).append(term)
        found = {}
        for word, terms in candidates.items():
            best = pick_nearest(word, terms)
            if best:
                found[word] = best
        return found
