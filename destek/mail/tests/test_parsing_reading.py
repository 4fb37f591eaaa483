"""The parser's header-remembering policy changes nothing but speed: every message of the
project's fixtures and of the shared corpus parses exactly as with the stdlib's
policy.default, with the cache cold and warm."""

from __future__ import annotations

from email import policy
from pathlib import Path

import pytest

from destek.mail.parsing import UnparseableEmail, parse_email, parser
from destek.mail.parsing.reading import MAX_REMEMBERED_CHARS, READING, _parsed

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "mail"


def _messages() -> list[Path]:
    found = sorted(FIXTURES.glob("*.eml"))
    return found + (sorted(CORPUS.rglob("*.eml")) if CORPUS.is_dir() else [])


def _parse(raw: bytes) -> object:
    try:
        return parse_email(raw)
    except UnparseableEmail as exc:
        return f"UnparseableEmail: {exc}"


def test_every_message_parses_as_with_policy_default(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [path.read_bytes() for path in _messages()]
    assert len(messages) > 10
    with monkeypatch.context() as patched:
        patched.setattr(parser, "READING", policy.default)
        expected = [_parse(raw) for raw in messages]
    _parsed.cache_clear()
    cold = []
    for raw in messages:
        _parsed.cache_clear()
        cold.append(_parse(raw))
    warm = [_parse(raw) for raw in messages]
    assert cold == expected
    assert warm == expected


def test_a_header_is_parsed_once_and_long_ones_are_not_kept() -> None:
    _parsed.cache_clear()
    first = READING.header_fetch_parse("Content-Type", "text/plain; charset=iso-8859-9")
    again = READING.header_fetch_parse("Content-Type", "text/plain; charset=iso-8859-9")
    assert again is first and first.params["charset"] == "iso-8859-9"
    long_value = ", ".join(f"<id{i}@example.org>" for i in range(100))
    assert len(long_value) > MAX_REMEMBERED_CHARS
    READING.header_fetch_parse("References", long_value)
    assert _parsed.cache_info().currsize == 1
