"""Text as rules compare it: Turkish-aware folding, and whole words or phrases found in it.

"Sitem AÇILMIYOR", "sitem açılmıyor" and "sitem acilmiyor" fold to the same text, so an
admin's word list matches whichever way a customer typed it (Turkish keyboards or not)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Python lowercases "I" to "i" and "İ" to "i̇" (i + a combining dot): Turkish has four i's and
# a customer types any of them, so all fold to the plain "i" before anything else.
_DOTLESS = str.maketrans({"İ": "i", "I": "i", "ı": "i"})
# The Turkish letters whose folding NFKD does not give by stripping marks (none today, but
# kept explicit: the brief's list is what an admin expects).
_TURKISH = str.maketrans({"ç": "c", "ş": "s", "ğ": "g", "ö": "o", "ü": "u"})


def fold(text: str) -> str:
    """Casefolded, Turkish i's as "i", ç ş ğ ö ü (and any other accent) without their marks,
    whitespace collapsed to single spaces."""
    if not text:
        return ""
    folded = text.translate(_DOTLESS).casefold().translate(_TURKISH)
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(folded.split())


def phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding any of `phrases` as whole words in folded text (None for no phrase).

    Longest first, so "site is down" is preferred over "site"; a phrase's words match across
    any whitespace the folding left (one space)."""
    folded = sorted({fold(p) for p in phrases if fold(p)}, key=lambda p: (-len(p), p))
    if not folded:
        return None
    alternatives = "|".join(re.escape(p).replace(r"\ ", " ") for p in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


_TOKEN = re.compile(r"\w+")


def tokens(folded: str) -> frozenset[str]:
    """The whole words of folded text, for `first_words`' cheap test before a regex runs."""
    return frozenset(_TOKEN.findall(folded))


def first_words(phrases: Iterable[str]) -> frozenset[str] | None:
    """The first word of each phrase: a phrase can only be found as a whole word where its
    first word is one of the text's words (`tokens`), so a rule whose first words are all
    missing is skipped without its regex. None when a phrase starts with no word character
    (then only the regex can tell)."""
    firsts = set()
    for phrase in phrases:
        folded = fold(phrase)
        if not folded:
            continue
        match = _TOKEN.match(folded)
        if match is None:
            return None
        firsts.add(match.group())
    return frozenset(firsts)
