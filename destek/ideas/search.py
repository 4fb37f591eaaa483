"""Finding ideas like the one being typed: the knowledge base's approach (destek.kb.search),
one port over two engines. Text becomes index terms with the knowledge base's analysis
(destek.kb.search.text: Snowball stems, Turkish folding) in both languages, since an idea has
no language of its own; PostgreSQL keeps them as a weighted tsvector in Idea.search_vector (GIN
index), SQLite in an FTS5 table (destek.ideas.sql). Any term may match, as a prefix (a word
may still be being typed); title terms weigh more than the description's.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, Value

from destek.ideas import sql
from destek.ideas.models import Idea
from destek.kb.search.text import index_text, query_terms

LANGUAGES = ("en", "tr")
MAX_QUERY_CHARS = 300
MAX_TERMS = 12
# Terms this long or longer also match as a prefix: a word may still be being typed, and the
# stem of a whole word ("sertifika") is a prefix of its forms ("sertifikalar").
PREFIX_FROM = 3


def _terms(text: str) -> str:
    return " ".join(dict.fromkeys(
        t for lang in LANGUAGES for t in index_text(text, lang).split()))


def query_words(text: str) -> list[str]:
    """The distinct index terms of a query, both languages' analyses, at most MAX_TERMS."""
    text = (text or "")[:MAX_QUERY_CHARS]
    found: dict[str, None] = {}
    for lang in LANGUAGES:
        for term in query_terms(text, lang):
            found.setdefault(term, None)
    return list(found)[:MAX_TERMS]


def index_idea(idea: Idea) -> None:
    """(Re)index an idea's title and description; call after every edit of either."""
    title, body = _terms(idea.title), _terms(idea.description)
    if connection.vendor == "postgresql":
        Idea.objects.filter(pk=idea.pk).update(search_vector=(
            SearchVector(Value(title), weight="A", config="simple")
            + SearchVector(Value(body), weight="B", config="simple")))
    else:
        sql.fts_index(idea_id=idea.pk, title=title, body=body)


def remove_idea(idea_id: int) -> None:
    if connection.vendor != "postgresql":
        sql.fts_remove(idea_id)


def match(*, scope: Q, text: str, limit: int = 5) -> list[int]:
    """Ids of the ideas within `scope` most like `text`, best first."""
    terms = query_words(text)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        parts = ["'" + t.replace("'", "") + "'" + (":*" if len(t) >= PREFIX_FROM else "")
                 for t in terms]
        query = SearchQuery(" | ".join(parts), search_type="raw", config="simple")
        return list(Idea.objects.filter(scope).filter(search_vector=query)
                    .annotate(rank=SearchRank(F("search_vector"), query))
                    .order_by("-rank", "-vote_count", "pk").values_list("pk", flat=True)[:limit])
    parts = ['"' + t.replace('"', "") + '"' + ("*" if len(t) >= PREFIX_FROM else "")
             for t in terms]
    visible_sql, params = Idea.objects.filter(scope).values("pk").query.sql_with_params()
    found = sql.fts_match(expression=" OR ".join(parts), visible_sql=visible_sql,
                          visible_params=list(params), limit=limit)
    return [idea_id for idea_id, _score in found]
