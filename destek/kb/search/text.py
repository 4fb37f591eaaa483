"""Turning text into index terms, the same way for articles and for queries, on every database.

Stemming is Snowball's (PyStemmer). Its Turkish stemmer — the one PostgreSQL's `turkish`
configuration also uses — is not consistent on its own: "sunucularım" → "sunucu" but
"sunucu" → "sunuç" (it reads the final -u as a possessive and then hardens c to ç), so a
search for one would miss the other. Two folding steps make the terms agree: a stem's last
vowel is dropped, and Turkish letters are folded to ASCII (which also lets customers type
"sifre" for "şifre"). Both run on the indexed text and on the query.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from functools import lru_cache
from itertools import islice

import Stemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TR_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_TR_VOWELS = frozenset("aeıioöuü")
MIN_TERM = 2
MAX_TERMS = 32

# Words too common to say anything about an article (kept short on purpose).
def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = {
    "en": _wordset(
        "a an and are as at be but by can do does for from has have how i if in is it its me "
        "my no not of on or our so than that the their them then there these this to was we "
        "were what when where which who why will with you your"),
    "tr": _wordset(
        "acaba ama ancak bana beni bir biri birkaç bu bunu burada da daha de defa diye en gibi "
        "hem hep her hiç için ile ise ki kim mi mı mu mü nasıl ne neden nerede niçin niye o "
        "olan olarak ona onu sen siz şu tüm ve veya ya yani çok ben benim"),
}


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("turkish" if language == "tr" else "english")


def lower(text: str, language: str) -> str:
    if language == "tr":
        # Turkish has two i's: I → ı and İ → i (str.lower would turn I into i).
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


def words(text: str, language: str) -> list[str]:
    """The lower-cased words of `text`, stop words included."""
    return WORD.findall(lower(text, language))


def _fold_tr(stem: str) -> str:
    if len(stem) > 4 and stem[-1] in _TR_VOWELS:
        stem = stem[:-1]
    return stem.translate(_TR_FOLD)


def stems(tokens: list[str], language: str) -> list[str]:
    """Index terms of already lower-cased words (stop words and one-letter words dropped)."""
    stop = STOPWORDS.get(language, frozenset())
    kept = [t for t in tokens if len(t) >= MIN_TERM and t not in stop]
    out = _stemmer(language).stemWords(kept)
    if language == "tr":
        out = [_fold_tr(s) for s in out]
    return out


def analyze(text: str, language: str) -> list[str]:
    """Index terms of free text."""
    return stems(words(text, language), language)


def index_text(text: str, language: str) -> str:
    return " ".join(analyze(text, language))


def query_terms(text: str, language: str, *, limit: int = MAX_TERMS) -> list[str]:
    """Distinct index terms of a query, in order, at most `limit`."""
    seen: dict[str, None] = {}
    for term in analyze(text, language):
        seen.setdefault(term, None)
        if len(seen) >= limit:
            break
    return list(seen)


_TERM_CACHE_SIZE = 100_000
_term_cache: dict[str, dict[str, str]] = {"en": {}, "tr": {}}


def term_of(word: str, language: str) -> str:
    """The index term of one word as it appears in text (any case), remembered: snippets look
    up the same few thousand words again and again."""
    cache = _term_cache.setdefault(language, {})
    term = cache.get(word)
    if term is None:
        term = _stemmer(language).stemWord(lower(word, language))
        if language == "tr":
            term = _fold_tr(term)
        if len(cache) >= _TERM_CACHE_SIZE:
            cache.clear()
        cache[word] = term
    return term


def highlight(text: str, terms: set[str], language: str, *, width: int = 28,
              max_chars: int = 4000) -> str:
    """An HTML-escaped snippet of `text` around the densest run of matching words, with the
    matches in <mark>. Done here, not in the database, so it is identical on PostgreSQL and
    SQLite and agrees with the Turkish folding above."""
    # \x01 and \x02 stand for <mark> and </mark> until the snippet is escaped, in one go.
    text = text[:max_chars].replace("\x01", "").replace("\x02", "")
    found = WORD.findall(text)
    if not found:
        return ""
    hits: list[int] = []
    if terms:
        # Each distinct word is stemmed once (an article repeats its words).
        matching = {w for w in set(found) if term_of(w, language) in terms}
        if matching:
            hits = [i for i, w in enumerate(found) if w in matching]
    start = 0
    if hits:
        best, best_count = hits[0], 0
        for j, h in enumerate(hits):  # the window of `width` words with the most matches
            count = bisect_left(hits, h + width, j) - j
            if count > best_count:
                best, best_count = h, count
        start = max(0, best - 4)
    window = list(islice(WORD.finditer(text), start, start + width))
    hit_set = set(hits)
    out: list[str] = []
    cursor = window[0].start()
    for offset, match in enumerate(window):
        s, e = match.span()
        out.append(text[cursor:s])
        out.append(f"\x01{text[s:e]}\x02" if start + offset in hit_set else text[s:e])
        cursor = e
    more = start + width < len(found)
    if not more:
        out.append(text[cursor:])
    snippet = html.escape("".join(out)).replace("\x01", "<mark>").replace("\x02", "</mark>")
    return (("… " if start > 0 else "") + snippet + (" …" if more else "")).strip()
