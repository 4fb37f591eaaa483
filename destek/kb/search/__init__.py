"""Knowledge-base search: one port, a PostgreSQL and an SQLite backend.

`search` answers the search page, the API and the desk panel; `suggest` answers the live
suggestions on the new-ticket form. Both start from destek.kb.access (`visibility_q`), so what
someone may not read is never matched, ranked, counted or shown.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from destek.kb import freshness
from destek.kb.access import Actor, visibility_q
from destek.kb.models import Article, ArticleStatus, Category, SearchMiss, SearchTerm
from destek.kb.search.base import Backend, Hit, Query, SearchResult
from destek.kb.search.postgres import PostgresBackend
from destek.kb.search.sqlite import SqliteBackend
from destek.kb.search.text import STOPWORDS, highlight, query_terms, words

LANGUAGE_CODES = ("en", "tr")
MAX_QUERY_CHARS = 200
MAX_WORDS = 16
MAX_LIMIT = 50
_SPACES = re.compile(r"\s+")


def backend() -> Backend:
    """PostgreSQL's full-text search (tsvector, trigrams) or SQLite's FTS5: two engines, one
    Backend interface, the same tests on both."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    return SqliteBackend()


def normalize_query(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()[:MAX_QUERY_CHARS]


def _languages(language: str | None) -> list[str]:
    return [language] if language in LANGUAGE_CODES else list(LANGUAGE_CODES)


def _words(text: str, languages: list[str], limit: int = MAX_WORDS) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang in languages:
        stop = STOPWORDS[lang]
        seen: dict[str, None] = {}
        for word in words(text, lang):
            if len(word) >= 2 and word not in stop:
                seen.setdefault(word[:60], None)
            if len(seen) >= limit:
                break
        out[lang] = list(seen)
    return out


def category_ids_under(category_id: int) -> list[int]:
    """A category and every category below it (categories are few: one query, walk in Python)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, stack = [], [category_id]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def _scope(actor: Actor, language: str | None, category_id: int | None) -> Q:
    scope = visibility_q(actor)
    if language in LANGUAGE_CODES:
        scope &= Q(language=language)
    if category_id is not None:
        scope &= Q(category_id__in=category_ids_under(category_id))
    return scope


# What a suggestion shows (destek.kb.views.suggest, destek.livechat): title and address.
SUGGESTION_FIELDS = ("id", "language", "slug", "title", "audience")
# What a search result shows: the results page and the desk's panel, and the API's summary.
RESULT_FIELDS = (*SUGGESTION_FIELDS, "body_text", "summary", "category_id", "status",
                 "is_faq", "updated_at")


def _hits(ranked: list[tuple[int, float]], text: str, *, snippets: bool) -> list[Hit]:
    if not ranked:
        return []
    qs = Article.objects.only(*(RESULT_FIELDS if snippets else SUGGESTION_FIELDS))
    articles = qs.in_bulk([pk for pk, _r in ranked])
    terms = {lang: set(query_terms(text, lang)) for lang in LANGUAGE_CODES} if snippets \
        else {}
    hits = []
    for pk, rank in ranked:
        article = articles.get(pk)
        if article is None:
            continue
        snippet = highlight(article.body_text, terms[article.language], article.language) \
            if snippets else ""
        hits.append(Hit(article=article, rank=rank, snippet=snippet))
    return hits


def _correct(text: str, languages: list[str], engine: Backend) -> str | None:
    """The query with each unknown word replaced by the nearest known one, or None."""
    query_words = list(dict.fromkeys(w for ws in _words(text, languages).values() for w in ws))
    if not query_words:
        return None
    known = set(SearchTerm.objects.filter(language__in=languages, term__in=query_words)
                .values_list("term", flat=True))
    unknown = [w for w in query_words if w not in known and len(w) >= 3]
    if not unknown:
        return None
    nearest = engine.nearest_terms(words=unknown, languages=languages)
    if not nearest:
        return None
    return " ".join(nearest.get(w, w) for w in query_words)


def record_miss(*, query: str, language: str | None) -> None:
    text, lang = query.lower()[:MAX_QUERY_CHARS], language or ""
    if not text:
        return
    now = timezone.now()
    updated = SearchMiss.objects.filter(query=text, language=lang).update(
        count=F("count") + 1, last_seen=now)
    if not updated:
        try:
            with transaction.atomic():
                SearchMiss.objects.create(query=text, language=lang, last_seen=now)
        except IntegrityError:  # another request recorded it first
            SearchMiss.objects.filter(query=text, language=lang).update(
                count=F("count") + 1, last_seen=now)


def search(*, actor: Actor, query: str, language: str | None = None,
           category_id: int | None = None, limit: int = 20,
           record_misses: bool = True) -> SearchResult:
    """Every word must match (stemmed, both languages unless one is given); when nothing does,
    typos are corrected, and then any word may match. Best first, with highlighted snippets."""
    text = normalize_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    languages = _languages(language)
    q = Query(words=_words(text, languages), mode="and")
    result = SearchResult(query=text)
    if q.is_empty:
        return result
    engine = backend()
    scope = _scope(actor, language, category_id)
    ranked = engine.match(scope=scope, query=q, limit=limit)
    match_text = text
    if not ranked:
        corrected = _correct(text, languages, engine)
        if corrected and corrected != text:
            ranked = engine.match(scope=scope, limit=limit, query=Query(
                words=_words(corrected, languages), mode="and"))
            if ranked:
                result.corrected, match_text = corrected, corrected
    if not ranked:
        ranked = engine.match(scope=scope, limit=limit,
                              query=Query(words=q.words, mode="or"))
    if not ranked and record_misses:
        record_miss(query=text, language=language)
    result.hits = _hits(ranked, match_text, snippets=True)
    return result


def suggestion_query(text: str, language: str | None = None) -> Query:
    """What `suggest` searches for: the first distinct words of `text` (two texts with the same
    query get the same suggestions, which is what caches of them are keyed by)."""
    return Query(words=_words((text or "")[:2000], _languages(language), limit=12), mode="or")


def suggest(*, actor: Actor, text: str, language: str | None = None,
            limit: int = 5) -> list[Hit]:
    """Articles that may answer what a customer is typing: any word may match, best first."""
    q = suggestion_query(text, language)
    if q.is_empty:
        return []
    ranked = backend().match(scope=_scope(actor, language, None), query=q,
                             limit=max(1, min(limit, 10)))
    return _hits(ranked, "", snippets=False)


def index_article(article: Article) -> None:
    backend().index(article)
    freshness.changed(publish_at=article.publish_at
                      if article.status == ArticleStatus.PUBLISHED else None)


def remove_article(article_id: int) -> None:
    backend().remove(article_id)
    freshness.changed()
