"""PostgreSQL: a weighted tsvector per article (GIN index), pg_trgm for typos.

English articles use the built-in `english` configuration. Turkish ones are indexed with the
`simple` configuration over terms from destek.kb.search.text, because the built-in `turkish`
stemmer alone does not match "sunucularım" with "sunucu" (see text.py).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from destek.kb.models import Article
from destek.kb.search.base import Query, pick_nearest
from destek.kb.search.text import index_text, query_terms

CANDIDATES = 20


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
                "UPDATE kb_article SET search_vector = "
                "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
                "setweight(to_tsvector(%s::regconfig, %s), 'B') WHERE id = %s",
                [config, title, config, body_terms, article.pk],
            )

    def remove(self, article_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE kb_article SET search_vector = NULL WHERE id = %s",
                           [article_id])

    def match(self, *, visible: QuerySet[Article], query: Query,
              limit: int) -> list[tuple[int, float]]:
        tsquery, params = _query_sql(query)
        if not tsquery:
            return []
        visible_sql, visible_params = visible.values("pk").query.sql_with_params()
        # Only our own SQL is interpolated: fixed tsquery calls and Django's compiled filter;
        # every value travels as a parameter.
        sql = (
            f"WITH q AS (SELECT {tsquery} AS query) "  # noqa: S608
            "SELECT a.id, ts_rank_cd(a.search_vector, q.query, 1) AS rank "
            "FROM kb_article a, q WHERE a.search_vector @@ q.query "
            f"AND a.id IN ({visible_sql}) "
            "ORDER BY rank DESC, a.id LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *visible_params, limit])
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
