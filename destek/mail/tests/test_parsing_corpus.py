"""Conformance over the shared real-world corpus (/work/shared/corpus/mail, see its README).

The messages are read in place (never copied into the project). Every one must parse; where
stalwart's mail-parser left a `.json` parse tree, subject, sender and body text must match it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from destek.mail.parsing import UnparseableEmail, parse_email
from destek.mail.parsing.htmltext import html_to_text

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "mail"
STALWART = CORPUS / "stalwart-mail-parser" / "resources" / "eml"
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared mail corpus is not at {CORPUS}",
)

_LOST_BOUNDARY = (
    "a boundary is missing or never closed: the stdlib keeps the undelimited content as text "
    "where stalwart drops it; Destek prefers showing it to losing it"
)
_NESTED_BOUNDARY = (
    "an inner part ends at the outer boundary: the stdlib reads the parts after it, stalwart "
    "drops them; Destek keeps the text"
)
_FORWARD_ONLY = (
    "the message only forwards an attached message: Destek shows the attached message's text, "
    "stalwart's text body is empty"
)
# file → (fields that differ, why). Only these may differ from stalwart's expectations.
DIFFERENCES: dict[str, tuple[set[str], str]] = {
    "malformed/001.eml": ({"body"}, _LOST_BOUNDARY),
    "malformed/002.eml": ({"body"}, _LOST_BOUNDARY),
    "malformed/003.eml": ({"body"}, _LOST_BOUNDARY),
    "malformed/004.eml": ({"body"}, _LOST_BOUNDARY),
    "malformed/006.eml": ({"body"}, _LOST_BOUNDARY),
    "malformed/005.eml": ({"body"}, "boundary=\"a--\" makes '--a--' ambiguous: the stdlib "
                          "reads it as the close delimiter (no parts), stalwart as an opening one"),
    "malformed/008.eml": ({"body"}, _NESTED_BOUNDARY),
    "malformed/009.eml": ({"body"}, _NESTED_BOUNDARY),
    "malformed/011.eml": ({"body"}, _NESTED_BOUNDARY),
    "malformed/016.eml": ({"body"}, "boundaries longer than RFC 2046's 70 characters: " + (
        _NESTED_BOUNDARY)),
    "malformed/012.eml": ({"body"}, _FORWARD_ONLY),
    "thirdparty/007.eml": ({"body"}, _FORWARD_ONLY),
    "thirdparty/012.eml": ({"body"}, _FORWARD_ONLY),
    "malformed/019.eml": ({"body"}, "the first header line is corrupt ('Fro :'): Destek and "
                          "stalwart skip it; the corrupt MIME tree after it is read differently"),
    "malformed/020.eml": ({"body"}, "two Content-Type headers in one part: the stdlib uses the "
                          "first (multipart/alternative), stalwart the last (text/plain)"),
    "malformed/021.eml": ({"body"}, "two Content-Type headers in one part (see 020)"),
    "thirdparty/002.eml": ({"body"}, "a part of invalid base64 ('?garbage'): decoders recover "
                           "different bytes"),
    "thirdparty/005.eml": ({"body"}, "'invalid--1--': a close delimiter not at the start of a "
                           "line is text (RFC 2046); stalwart accepts it"),
}


def _all_messages() -> list[Path]:
    return sorted(CORPUS.rglob("*.eml")) if CORPUS.is_dir() else []


def _expectations() -> list[tuple[Path, Path]]:
    """(message, expectation): `.json` describes the message with \\r removed, `.crlf.json` CRLF."""
    if not STALWART.is_dir():
        return []
    pairs = []
    for message in sorted(STALWART.rglob("*.eml")):
        for suffix in (".json", ".crlf.json"):
            expected = message.with_suffix(suffix)
            if expected.exists():
                pairs.append((message, expected))
    return pairs


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def test_the_corpus_is_there() -> None:
    assert len(_all_messages()) >= 200
    assert len(_expectations()) >= 100


@pytest.mark.parametrize("path", _all_messages(), ids=_id)
def test_every_corpus_message_parses(path: Path) -> None:
    raw = path.read_bytes()
    try:
        parsed = parse_email(raw)
    except UnparseableEmail as exc:
        assert str(exc), "UnparseableEmail must say why"
        return
    assert parsed.size == len(raw)
    assert parsed.from_address == parsed.from_address.lower()
    assert all(a.filename for a in parsed.attachments)
    assert all("\x00" not in value for value in (parsed.text, parsed.subject, parsed.html))
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert all("<" not in mid and ">" not in mid for mid in (parsed.message_id, *parsed.references))


@pytest.mark.parametrize(("path", "expected"), _expectations(),
                         ids=[_id(e) for _, e in _expectations()])
def test_stalwart_expectations(path: Path, expected: Path) -> None:
    raw = path.read_bytes()
    if not expected.name.endswith(".crlf.json"):
        raw = raw.replace(b"\r", b"")
    tree = json.loads(expected.read_text(encoding="utf-8"))
    parsed = parse_email(raw)
    actual = {
        "subject": _norm(parsed.subject),
        "from": parsed.from_address,
        "body": _norm(parsed.full_text),
    }
    wanted = {"subject": _norm(_subject(tree)), "from": _sender(tree), "body": _body(tree)}
    key = str(path.relative_to(STALWART))
    differing, _reason = DIFFERENCES.get(key, (set(), ""))
    for field in ("subject", "from", "body"):
        if field in differing:
            assert actual[field] != wanted[field], f"{key}: {field} now matches, drop the entry"
        else:
            assert actual[field] == wanted[field], f"{key}: {field}"


def _norm(text: str) -> str:
    # Destek drops NUL characters (PostgreSQL cannot store them); whitespace is not compared.
    return " ".join(text.replace("\x00", "").split())


def _header(tree: dict[str, Any], name: str) -> Any:
    return next((h["value"] for h in tree["parts"][0]["headers"] if h["name"] == name), None)


def _subject(tree: dict[str, Any]) -> str:
    value = _header(tree, "subject")
    return value.get("Text", "") if isinstance(value, dict) else ""


def _sender(tree: dict[str, Any]) -> str:
    value = _header(tree, "from")
    if not isinstance(value, dict) or "Address" not in value:
        return ""
    address = value["Address"]
    mailboxes = address.get("List") or [m for g in address.get("Group", []) for m in g["addresses"]]
    return (mailboxes[0].get("address") or "").lower() if mailboxes else ""


def _body(tree: dict[str, Any]) -> str:
    """stalwart's text body (RFC 8621): text parts as they are, HTML parts as text."""
    texts = []
    for index in tree["text_body"]:
        body = tree["parts"][index]["body"]
        if "Text" in body:
            texts.append(body["Text"])
        elif "Html" in body:
            texts.append(html_to_text(body["Html"]))
    return _norm("\n".join(texts))
