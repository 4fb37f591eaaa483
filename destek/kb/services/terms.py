"""The vocabulary of the articles, for typo correction (destek.kb.search nearest_terms)."""

from __future__ import annotations

from destek.kb.models import SearchTerm
from destek.kb.search.text import words

MIN_LENGTH = 3
MAX_LENGTH = 40


def vocabulary(text: str, language: str) -> set[str]:
    return {w for w in words(text, language)
            if MIN_LENGTH <= len(w) <= MAX_LENGTH and not w.isdigit()}


def terms_record(*, text: str, language: str) -> None:
    """Remember the words an article uses; words no longer used stay (harmless for lookups)."""
    found = vocabulary(text, language)
    if not found:
        return
    known = set(SearchTerm.objects.filter(language=language, term__in=found)
                .values_list("term", flat=True))
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=t, language=language) for t in sorted(found - known)],
        ignore_conflicts=True, batch_size=500)
