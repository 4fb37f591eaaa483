"""SQLite (the embedded default): an FTS5 table (destek.kb.sql), kept by the service layer.

FTS5 has no Turkish stemmer, so the table holds terms from destek.kb.search.text for both
languages and queries are analysed the same way. Typo correction compares the query's words
with the known words that start with the same letter (pick_nearest), which is enough at the sizes
an embedded installation has.
"""

from __future__ import annotations

from django.db.models import Q

from destek.kb import sql
from destek.kb.models import Article, SearchTerm
from destek.kb.search.base import Query, pick_nearest
from destek.kb.search.text import index_text, query_terms

MAX_CANDIDATES = 5000


def _phrase(term: str) -> str:
    return '"' + term.replace('"', "") + '"'


def _match_expression(query: Query) -> str:
    groups: list[str] = []
    joiner = " AND " if query.mode == "and" else " OR "
    for language, words in query.words.items():
        terms = query_terms(" ".join(words), language)
        if not terms:
            continue
        parts = [_phrase(t) for t in terms]
        if query.prefix_last:
            parts[-1] += "*"
        groups.append("(" + joiner.join(parts) + ")")
    return " OR ".join(groups)


class SqliteBackend:
    def index(self, article: Article) -> None:
        body = f"{article.summary}\n{article.body_text}"
        sql.fts_index(article_id=article.pk, title=index_text(article.title, article.language),
                      body=index_text(body, article.language))

    def remove(self, article_id: int) -> None:
        sql.fts_remove(article_id)

    def match(self, *, scope: Q, query: Query, limit: int) -> list[tuple[int, float]]:
        expression = _match_expression(query)
        if not expression:
            return []
        visible = Article.objects.filter(scope)
        visible_sql, visible_params = visible.values("pk").query.sql_with_params()
        found = sql.fts_match(expression=expression, visible_sql=visible_sql,
                              visible_params=list(visible_params), limit=limit)
        # bm25 is better when lower; the port's score is better when higher.
        return [(article_id, -score) for article_id, score in found]

    def nearest_terms(self, *, words: list[str], languages: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for word in words:
            candidates = list(
                SearchTerm.objects.filter(language__in=languages, term__startswith=word[0])
                .values_list("term", flat=True)[:MAX_CANDIDATES])
            best = pick_nearest(word, candidates)
            if best:
                found[word] = best
        return found
