"""Header values as sent (raw, possibly 8-bit or broken RFC 2047) to clean Python values.

The stdlib's header objects raise on some malformed headers and replace 8-bit bytes, so the
parser reads the raw values (`Message.raw_items()`) and decodes them here, leniently.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import quopri
import re
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime

from destek.mail.parsing.charsets import decode_bytes, normalize_label

_ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?\s]*)\?(?P<encoding>[bBqQ])\?(?P<text>[^?]*?)\?=", re.ASCII
)
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(b for b in range(256) if b not in _BASE64_ALPHABET)
_FOLD = re.compile(r"\r?\n[ \t]*")
_WHITESPACE = re.compile(r"\s+")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SURROGATE = re.compile("[\udc80-\udcff]")  # 8-bit bytes the parser kept as surrogates
_PARAMETER = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:\\.|[^"\\])*"|[^;]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")
_ADDRESS = re.compile(r"[^\s<>,;:\"'()\[\]]+@[^\s<>,;:\"'()\[\]]+")
_NAME_JUNK = re.compile(r"[<>\"'(),;\[\]]+")


def raw_to_text(value: str, *, hint: str = "", fallbacks: tuple[str, ...] = ()) -> str:
    """A raw header value (8-bit bytes kept as surrogates by the parser) as text.

    RFC 6532 allows UTF-8 headers and most 8-bit ones are, so UTF-8 comes first; then the
    message body's charset (`hint`), `fallbacks` and the charsets of the value's encoded words
    (raw bytes next to `=?iso-8859-1?…?=` were most likely typed in latin-1), then detection."""
    if not _SURROGATE.search(value):
        return value
    data = value.encode("utf-8", errors="surrogateescape")
    word_charsets = (match["charset"] for match in _ENCODED_WORD.finditer(value))
    return decode_bytes(data, declared="utf-8", fallbacks=(hint, *fallbacks, *word_charsets))


def decode_words(value: str, *, hint: str = "") -> str:
    """Decode RFC 2047 encoded words, also where clients broke the rules.

    Tolerated: encoded words inside a word, missing base64 padding, unknown charsets, one
    multi-byte character split across two adjacent words of the same charset, and raw 8-bit
    bytes inside an encoded word (`=?iso-8859-1?Q?Fr=F6sche?=` with a literal 0xF6 byte) or
    beside one: they are read in the word's charset, not replaced by "?".
    """
    text = _FOLD.sub(" ", value)
    words = list(_ENCODED_WORD.finditer(text))
    word_charsets = tuple(dict.fromkeys(match["charset"] for match in words))
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded words, joined before decoding
    position = 0
    for match in words:
        between = text[position:match.start()]
        if between and not (pending and between.isspace()):
            _flush(pending, out, hint=hint)
            out.append(raw_to_text(between, hint=hint, fallbacks=word_charsets))
        charset = match["charset"]
        data = _decode_word_bytes(match["encoding"], match["text"], charset=charset)
        if pending and pending[-1][0].lower() != charset.lower():
            _flush(pending, out, hint=hint)
        pending.append((charset, data))
        position = match.end()
    _flush(pending, out, hint=hint)
    out.append(raw_to_text(text[position:], hint=hint, fallbacks=word_charsets))
    return "".join(out)


def _decode_word_bytes(encoding: str, text: str, *, charset: str = "") -> bytes:
    # Raw 8-bit bytes (surrogates) go back to the bytes they were; text someone already
    # decoded goes back to bytes in the word's charset. Neither becomes "?".
    if text.isascii() or _SURROGATE.search(text):
        data = text.encode("utf-8", errors="surrogateescape")
    else:
        data = _to_bytes(text, charset)
    if encoding in "qQ":
        return quopri.decodestring(data.replace(b"_", b" "), header=True)
    return lenient_b64decode(data)


def _to_bytes(text: str, charset: str) -> bytes:
    codec = normalize_label(charset) or "utf-8"
    try:
        return text.encode(codec)
    except (UnicodeError, LookupError):
        return text.encode("utf-8", errors="surrogateescape")


def lenient_b64decode(data: bytes) -> bytes:
    """Decode what can be decoded: stray characters skipped, padding repaired, never raises."""
    body = data.translate(None, _NOT_BASE64).split(b"=", 1)[0]
    if len(body) % 4 == 1:
        body = body[:-1]  # a single leftover character carries no whole byte
    try:
        return base64.b64decode(body + b"=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return b""


def _flush(pending: list[tuple[str, bytes]], out: list[str], *, hint: str = "") -> None:
    if pending:
        data = b"".join(data for _, data in pending)
        out.append(decode_bytes(data, declared=pending[0][0], fallbacks=(hint,)))
        pending.clear()


def decode_text(value: str, *, hint: str = "") -> str:
    """An unstructured header (Subject, names) decoded with whitespace collapsed."""
    decoded = decode_words(value, hint=hint).replace("\x00", "")
    return _WHITESPACE.sub(" ", decoded).strip()


def decode_filename(disposition: str, content_type: str, *, hint: str = "") -> str:
    """A part's file name from its raw Content-Disposition / Content-Type values, or "".

    filename (then Content-Type's name) as RFC 2231 (filename*=, continuations), or against
    the rules as RFC 2047 or raw 8-bit bytes; every form decoded as charsets.decode_bytes
    does, so a wrong label or a missing one still gives the name as written."""
    for header, key in ((disposition, "filename"), (content_type, "name")):
        params = _parameters(header)
        extended = _rfc2231_value(params, key, hint=hint)
        if extended:
            return extended
        plain = next((value for name, value in params if name == key), "")
        if plain:
            return decode_text(plain, hint=hint)
    return ""


def _parameters(header: str) -> list[tuple[str, str]]:
    """(lower-cased name, unquoted value) of each `; name=value` in a raw header value."""
    unfolded = _FOLD.sub(" ", header)
    return [(match[1].lower(), _unquote(match[2].strip()))
            for match in _PARAMETER.finditer(unfolded)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _QUOTED_PAIR.sub(r"\1", value[1:-1])
    return value.strip('"')


def _rfc2231_value(params: list[tuple[str, str]], key: str, *, hint: str) -> str:
    """RFC 2231: `key*=charset'lang'%XX…` or `key*0*=…; key*1=…` segments, joined, decoded."""
    segments: dict[int, tuple[bool, str]] = {}
    for name, value in params:
        match = re.fullmatch(re.escape(key) + r"\*(?:(\d{1,3})(\*?))?", name)
        if match:
            extended = match[1] is None or bool(match[2])
            segments.setdefault(int(match[1] or 0), (extended, value))
    charset = ""
    data = b""
    for index in sorted(segments):
        extended, value = segments[index]
        raw = value.encode("utf-8", errors="surrogateescape")
        if extended:
            if index == min(segments) and raw.count(b"'") >= 2:
                label, _language, raw = raw.split(b"'", 2)
                charset = label.decode("ascii", errors="replace")
            raw = urllib.parse.unquote_to_bytes(raw)
        data += raw
    if not data:
        return ""
    return decode_bytes(data, declared=charset or "utf-8", fallbacks=(hint,)).strip()


def parse_addresses(value: str, *, hint: str = "") -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) pairs; groups are flattened, empties dropped.

    Lenient where senders are not: quotes or brackets in the wrong place, a missing pair of
    angle brackets, an unencoded non-ASCII name. When the stdlib's reading is implausible (an
    address with spaces, a bare local part next to a real address), the addresses are found in
    the text and the words before each are taken as its display name.
    """
    unfolded = _FOLD.sub(" ", raw_to_text(value, hint=hint))
    try:
        pairs = email.utils.getaddresses([unfolded])
    except Exception:  # the stdlib's address parser has raised on odd input before
        pairs = []
    result: list[tuple[str, str]] = []
    broken = False
    for name, address in pairs:
        address = address.strip().strip("<>").strip().lower()
        if not address:
            continue
        local, at, domain = address.rpartition("@")
        if any(ch.isspace() for ch in address) or (at and not (local and domain)):
            broken = True  # getaddresses mis-split the header: find the addresses instead
            continue
        if not at and ("@" in unfolded or f"<{address}>" not in unfolded.lower()):
            broken = broken or "@" in unfolded  # "<Joe> joe@example.com": Joe is a name
            continue  # a bare word is a display name ("From: Whomever"), not a mailbox
        result.append((decode_text(name, hint=hint).strip("\"' "), address))
    if broken or not result:
        return _found_addresses(decode_words(unfolded)) or result
    if len(result) == 1 and not result[0][0]:  # '"Joe <joe@x>': an unclosed quote hid the name
        found = _found_addresses(decode_words(unfolded))
        if len(found) == 1 and found[0][1] == result[0][1]:
            return found
    return result


def _found_addresses(text: str) -> list[tuple[str, str]]:
    """Every address-like token in `text`, each with the words before it as its name."""
    found: list[tuple[str, str]] = []
    position = 0
    for match in _ADDRESS.finditer(text):
        name = _NAME_JUNK.sub(" ", text[position:match.start()])
        found.append((_WHITESPACE.sub(" ", name).strip(), match.group(0).lower()))
        position = match.end()
    return found


# The header a sender is read from, in order: RFC 5322's From, then who else speaks for it.
SENDER_FIELDS = ("from", "sender", "reply-to", "return-path")


def choose_sender(fields: Mapping[str, str], *, hint: str = "") -> tuple[str, str, str]:
    """(display name, address, field): the first of SENDER_FIELDS holding a usable address.

    A From: without one keeps its display name; ("", "", "") when no field has an address.
    """
    from_name = ""
    local: tuple[str, str, str] = ("", "", "")  # "From: Moderator <moderator>": no domain
    for name in SENDER_FIELDS:
        found = parse_addresses(fields.get(name, ""), hint=hint)
        for display, address in found:
            if "@" in address:
                return (display if name == "from" else display or from_name), address, name
        if name == "from":
            from_name = decode_text(fields.get("from", ""), hint=hint).strip("\"'<> ")
            from_name = "" if "@" in from_name else from_name
            local = (found[0][0], found[0][1], name) if found else local
    return local


def parse_message_ids(value: str) -> list[str]:
    """Message-IDs without <>; bare tokens are accepted when no <…> is present."""
    unfolded = _FOLD.sub(" ", value)
    found = _MESSAGE_ID.findall(unfolded)
    if not found:
        found = [token.strip("<>,;") for token in unfolded.split()]
    ids: list[str] = []
    for message_id in found:
        message_id = raw_to_text(message_id).strip()
        if message_id and message_id not in ids:
            ids.append(message_id)
    return ids


def parse_date(value: str) -> datetime | None:
    """An aware datetime; a date without a usable zone is taken as UTC; None when invalid."""
    try:
        parsed = email.utils.parsedate_to_datetime(_FOLD.sub(" ", value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
