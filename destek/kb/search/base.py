"""The search port: what a backend does, and what a search returns."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from django.db.models import Q

    from destek.kb.models import Article

Mode = Literal["and", "or"]
# How alike a typed word and a known word must be (difflib's ratio; swapped letters in a
# six-letter word score 0.83, a different word of the same length much less).
SIMILARITY_CUTOFF = 0.75


def pick_nearest(word: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=SIMILARITY_CUTOFF)
    return close[0] if close else None


@dataclass(frozen=True)
class Query:
    """A query as the backends take it: words per language (lower-cased, not stemmed), how to
    combine them, and whether the last word is still being typed."""

    words: dict[str, list[str]]
    mode: Mode = "and"
    prefix_last: bool = False

    @property
    def is_empty(self) -> bool:
        return not any(self.words.values())


@dataclass
class Hit:
    article: Article
    rank: float
    snippet: str = ""


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    corrected: str | None = None  # "did you mean", when typo correction changed the query


class Backend(Protocol):
    def index(self, article: Article) -> None: ...

    def remove(self, article_id: int) -> None: ...

    def match(self, *, scope: Q, query: Query, limit: int) -> list[tuple[int, float]]:
        """(article id, score) of the best matches within `scope`, best first. `scope` is a
        filter over the fields an Article and its search index share (destek.kb.access)."""
        ...

    def nearest_terms(self, *, words: list[str], languages: list[str]) -> dict[str, str]:
        """For each word, the most similar known word (typo correction), when there is one."""
        ...
