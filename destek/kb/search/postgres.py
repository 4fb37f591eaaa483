"""PostgreSQL: a weighted tsvector per article (GIN index), pg_trgm for typos.

English articles use the built-in `english` configuration. Turkish ones are indexed with the
`simple` configuration over terms from destek.kb.search.text, because the built-in `turkish`
stemmer alone does not match "sunucularım" with "sunucu" (see text.py).
"""

from __future__ import annotations

from django.db.models import Q

from destek.kb import sql
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


class PostgresBackend:
    def index(self, article: Article) -> None:
        body = f"{article.summary}\n{article.body_text}"
        if article.language == "en":
            config, title, body_terms = "english", article.title, body
        else:
            config = "simple"
            title = index_text(article.title, article.language)
            body_terms = index_text(body, article.language)
        sql.pg_index(article_id=article.pk, config=config, title=title, body=body_terms,
                     copied=[article.language, article.audience, article.status,
                             article.publish_at, article.category_id])

    def remove(self, article_id: int) -> None:
        SearchIndex.objects.filter(article_id=article_id).delete()

    def match(self, *, scope: Q, query: Query, limit: int) -> list[tuple[int, float]]:
        tsquery, params = _query_sql(query)
        if not tsquery:
            return []
        where_sql, where_params = sql.pg_scope(scope)
        return sql.pg_match(tsquery=tsquery, params=params, where_sql=where_sql,
                            where_params=where_params, candidates=RANK_CANDIDATES, limit=limit)

    def nearest_terms(self, *, words: list[str], languages: list[str]) -> dict[str, str]:
        # The final pick is the same as on SQLite (pick_nearest).
        candidates: dict[str, list[str]] = {}
        for word, term in sql.pg_nearest_terms(words=words, languages=languages,
                                                limit=CANDIDATES):
            candidates.setdefault(word, []).append(term)
        found = {}
        for word, terms in candidates.items():
            best = pick_nearest(word, terms)
            if best:
                found[word] = best
        return found
