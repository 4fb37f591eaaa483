"""Turkish-aware folding and whole-word phrase matching."""

from __future__ import annotations

import pytest

from destek.automation.text import first_words, fold, phrases_pattern, tokens


@pytest.mark.parametrize(("text", "folded"), [
    ("Sitem AÇILMIYOR", "sitem acilmiyor"),
    ("sitem açılmıyor", "sitem acilmiyor"),
    ("SİTEM  açılmıyor\n\tyardım", "sitem acilmiyor yardim"),
    ("İSTANBUL Işık ığdır", "istanbul isik igdir"),
    ("ÇŞĞÖÜ çşğöü", "csgou csgou"),
    ("DNS ÇALIŞMIYOR", "dns calismiyor"),
    ("Straße café", "strasse cafe"),
    ("", ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_the_same_text_typed_three_ways_folds_the_same():
    assert fold("Sitem AÇILMIYOR") == fold("sitem açılmıyor") == fold("sitem acilmiyor")


def test_phrases_match_whole_words_only():
    pattern = phrases_pattern(["site down", "503", "Hacklendi", "DNS çalışmıyor"])
    assert pattern is not None
    assert pattern.search(fold("Help: SITE DOWN!"))
    assert pattern.search(fold("site\n   down"))
    assert pattern.search(fold("error 503."))
    assert pattern.search(fold("Sitemiz HACKLENDİ"))
    assert pattern.search(fold("dns calismiyor"))
    assert not pattern.search(fold("website downgrade"))
    assert not pattern.search(fold("invoice 5031"))
    assert not pattern.search(fold("hacklendiğini düşünmüyorum"))


def test_no_phrase_no_pattern():
    assert phrases_pattern([]) is None
    assert phrases_pattern(["  ", ""]) is None


def test_special_characters_are_literal():
    pattern = phrases_pattern(["c++ (error)", "e-postalar gelmiyor"])
    assert pattern is not None
    assert pattern.search(fold("a c++ (error) here"))
    assert pattern.search(fold("E-POSTALAR GELMİYOR"))
    assert not pattern.search(fold("cc (error)"))


def test_first_words_never_skip_a_phrase_the_regex_would_find():
    phrases = ["500 error", "e-postalar gelmiyor", "Sitem açılmıyor", "503"]
    firsts = first_words(phrases)
    assert firsts == {"500", "e", "sitem", "503"}
    pattern = phrases_pattern(phrases)
    assert pattern is not None
    for text in ("a 500 error!", "E-POSTALAR gelmiyor", "sitem acilmiyor", "(503)",
                 "nothing here", "5000 errors", "sitemap acilmiyor"):
        folded = fold(text)
        if pattern.search(folded):
            assert not firsts.isdisjoint(tokens(folded)), text
    assert first_words(["#hashtag", "ok"]) is None  # no first word: the regex decides
