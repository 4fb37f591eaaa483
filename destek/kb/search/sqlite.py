"""SQLite (the embedded default): an FTS5 table kb_article_fts, kept by the service layer.

FTS5 has no Turkish stemmer, so the table holds terms from destek.kb.search.text for both
languages and queries are analysed the same way. Typo correction compares the query's words
with the known words that start with the same letter (pick_nearest), which is enough at the sizes
an embedded installation has.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from destek.kb.models import Article, SearchTerm
from destek.kb.search.base import Query, pick_nearest
from destek.kb.search.text import index_text, query_terms

TABLE = "kb_article_fts"
CREATE_SQL = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING "
              "fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')")
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
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [article.pk])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
                [article.pk, index_text(article.title, article.language),
                 index_text(body, article.language)],
            )

    def remove(self, article_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [article_id])  # noqa: S608

    def match(self, *, scope: Q, query: Query, limit: int) -> list[tuple[int, float]]:
        expression = _match_expression(query)
        if not expression:
            return []
        visible = Article.objects.filter(scope)
        visible_sql, visible_params = visible.values("pk").query.sql_with_params()
        sql = (
            f"SELECT rowid, bm25({TABLE}, 4.0, 1.0) AS score FROM {TABLE} "  # noqa: S608
            f"WHERE {TABLE} MATCH %s AND rowid IN ({visible_sql}) "
            "ORDER BY score, rowid LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, *visible_params, limit])
            # bm25 is better when lower; the port's score is better when higher.
            return [(row[0], -float(row[1])) for row in cursor.fetchall()]

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
