"""parse_email: raw bytes to a ParsedEmail, with every failure turned into a defect."""

from __future__ import annotations

import itertools
import logging
import mimetypes
import re
from email.message import Message
from email.parser import BytesParser

from destek.core.sanitize import text_to_html
from destek.mail.parsing import headers as h
from destek.mail.parsing.attachments import extract
from destek.mail.parsing.autoreply import detect_auto_reply
from destek.mail.parsing.dsn import detect_bounce
from destek.mail.parsing.htmltext import html_to_text
from destek.mail.parsing.limits import Limits, limits_from_settings
from destek.mail.parsing.mime import Structure, analyse, charset, content_type, text_of
from destek.mail.parsing.quotes import split_reply
from destek.mail.parsing.reading import READING
from destek.mail.parsing.types import ParsedAttachment, ParsedEmail, UnparseableEmail

logger = logging.getLogger(__name__)
_CONTENT_TYPE_LINE = re.compile(rb"^content-type[ \t]*:", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MISSING_SEMICOLON = re.compile(
    rb"^(content-type:[ \t]*multipart/[\w.+-]+)((?:[ \t]*\r?\n)?[ \t]+)(boundary[ \t]*=)",
    re.IGNORECASE | re.MULTILINE,
)


def parse_email(raw: bytes, *, limits: Limits | None = None) -> ParsedEmail:
    """Never raises anything but UnparseableEmail (for empty input or a parser bug)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise UnparseableEmail(f"expected the raw message as bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise UnparseableEmail("empty message")
    try:
        return _parse(raw, limits=limits or limits_from_settings())
    except UnparseableEmail:
        raise
    except Exception as exc:
        # A bug here must quarantine the message (it can be reprocessed), not lose it.
        logger.exception("mail parser failed")
        raise UnparseableEmail(f"parser error: {type(exc).__name__}: {exc}"[:500]) from exc


def _parse(raw: bytes, *, limits: Limits) -> ParsedEmail:
    defects: list[str] = []
    message, complete = _message(raw, limits=limits, defects=defects)
    structure = analyse(message, limits=limits) if complete else Structure()
    defects.extend(structure.defects)
    hint = _charset_hint(message, structure)
    fields = _raw_headers(message)
    decoded = {name: h.decode_text(value, hint=hint)[:2000] for name, value in fields.items()}

    subject = h.decode_text(fields.get("subject", ""), hint=hint)
    from_name, from_address, sender_field = h.choose_sender(fields, hint=hint)
    if sender_field not in ("from", ""):
        defects.append(f"From: holds no usable address: the sender was read from "
                       f"{sender_field.title()}:")

    full_text, html = _bodies(structure, hint=hint)
    if not full_text.strip() and html:
        full_text = html_to_text(html)  # the plain alternative is empty or lost
    extracted = extract(structure.attachments, html=html, limits=limits)
    defects.extend(extracted.defects)
    html, embedded = _embedded_images(html, limits=limits)
    extracted.attachments.extend(embedded)
    if not full_text.strip() and extracted.tnef_text:
        full_text = extracted.tnef_text
    if not html and extracted.tnef_html:
        html = extracted.tnef_html
        full_text = full_text or html_to_text(html)

    bounce = detect_bounce(message=message, from_address=from_address, subject=subject,
                           text=full_text)
    if not full_text.strip() and extracted.messages and not bounce.is_bounce:
        full_text = _forwarded_text(extracted.messages[0], limits=limits)
    split = split_reply(full_text)
    return_path = "".join(fields.get("return-path", "").split())
    auto_reason = detect_auto_reply(headers=decoded, subject=subject, return_path=return_path)
    if not auto_reason and _is_read_receipt(message):
        auto_reason = "read receipt (disposition notification)"

    return ParsedEmail(
        message_id=next(iter(h.parse_message_ids(fields.get("message-id", ""))), ""),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        sender_field=sender_field,
        reply_to=_addresses(fields, "reply-to", hint=hint, limits=limits, defects=defects),
        to=_addresses(fields, "to", hint=hint, limits=limits, defects=defects),
        cc=_addresses(fields, "cc", hint=hint, limits=limits, defects=defects),
        in_reply_to=tuple(h.parse_message_ids(fields.get("in-reply-to", ""))[:10]),
        references=_references(fields.get("references", ""), limits=limits),
        date=h.parse_date(fields.get("date", "")),
        text=split.text,
        quoted_text=split.quoted,
        signature=split.signature,
        full_text=full_text.strip(),
        html=html,
        attachments=tuple(extracted.attachments),
        is_auto_reply=bool(auto_reason),
        auto_reply_reason=auto_reason,
        is_bounce=bounce.is_bounce,
        bounced_recipients=bounce.recipients[: limits.max_recipients],
        headers=decoded,
        defects=tuple(dict.fromkeys(defects)),
        size=len(raw),
        authentication_results=_all_values(message, "authentication-results"),
        arc_authentication_results=_all_values(message, "arc-authentication-results"),
        arc_seals=_all_values(message, "arc-seal"),
    )


def _message(raw: bytes, *, limits: Limits, defects: list[str]) -> tuple[Message, bool]:
    """The parsed message and whether its body may be read (False: headers only)."""
    if len(raw) > limits.max_bytes:
        defects.append(f"message too large ({len(raw)} bytes, limit {limits.max_bytes}): "
                       "only its headers were read")
        return _headers_only(raw, limits=limits), False
    raw = _header_block(raw, defects=defects)
    raw = _cut_at_part_limit(raw, limits=limits, defects=defects)
    raw = _repair_boundary_separator(raw)
    try:
        return BytesParser(policy=READING).parsebytes(raw), True
    except RecursionError:
        defects.append("MIME structure nested too deeply: only the headers were read")
    except Exception as exc:  # the stdlib parser is lenient, but not provably total
        defects.append(f"MIME structure unreadable ({type(exc).__name__}): only the headers "
                       "were read")
    return _headers_only(raw, limits=limits), False


def _header_block(raw: bytes, *, defects: list[str]) -> bytes:
    """The message from its header block on: leading blank lines, an mbox `From ` line and a
    banner (`---- Original email message ----`) before the headers are skipped.

    Only when the first line is not a header (the stdlib would then read every header as
    body): the headers are the first run of header lines that names a field every message
    has, within the first MAX_SKIPPED_LINES lines.
    """
    if _HEADER_LINE.match(raw) and not raw.startswith(b"From "):
        return raw  # the usual case, read no further
    lines = raw[:_HEADER_SEARCH_BYTES].splitlines(keepends=True)
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith(b"From ")):
        start += 1
    if start < len(lines) and not _HEADER_LINE.match(lines[start]):
        found = next((i for i in range(start + 1, min(len(lines), MAX_SKIPPED_LINES))
                      if _starts_header_block(lines, i)), None)
        if found is None:
            return raw  # no header block: read as the stdlib reads it
        start = found
    if start == 0:
        return raw
    skipped = [line for line in lines[:start] if line.strip() and not line.startswith(b"From ")]
    if skipped:
        defects.append(f"{len(skipped)} line(s) before the headers skipped")
    return raw[sum(len(line) for line in lines[:start]):]


MAX_SKIPPED_LINES = 50
_HEADER_SEARCH_BYTES = 64 * 1024
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
_KNOWN_FIELD = re.compile(
    rb"(from|sender|to|subject|date|message-id|received|return-path|mime-version)[ \t]*:",
    re.IGNORECASE,
)


def _starts_header_block(lines: list[bytes], index: int) -> bool:
    """Line `index` and the lines after it, up to a blank line, are all header lines, at least
    two of them naming well-known fields."""
    known = 0
    for line in lines[index:index + 200]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and known:
            continue
        if not _HEADER_LINE.match(line):
            return False
        known += bool(_KNOWN_FIELD.match(line))
    return known >= 2


def _cut_at_part_limit(raw: bytes, *, limits: Limits, defects: list[str]) -> bytes:
    """Parse no further than the part after the limit: parsing cost grows with the parts."""
    starts = _CONTENT_TYPE_LINE.finditer(raw)
    beyond = next(itertools.islice(starts, limits.max_parts + 1, None), None)
    if beyond is None:
        return raw
    defects.append(f"too many MIME parts: stopped after {limits.max_parts}")
    return raw[: beyond.start()]


def _repair_boundary_separator(raw: bytes) -> bytes:
    """`Content-Type: multipart/mixed` + newline + `boundary=…` without the ";" in between.

    The stdlib then sees no boundary and reads the whole MIME tree as one text part.
    """
    end = _HEADER_END.search(raw, 0, 256 * 1024)
    head = raw[: end.start()] if end else raw[: 256 * 1024]
    repaired = _MISSING_SEMICOLON.sub(rb"\1;\2\3", head, count=1)
    return raw if repaired == head else repaired + raw[len(head):]


def _headers_only(raw: bytes, *, limits: Limits) -> Message:
    head = raw[: limits.max_header_bytes]
    try:
        return BytesParser(policy=READING).parsebytes(head, headersonly=True)
    except Exception as exc:
        raise UnparseableEmail(f"headers unreadable: {type(exc).__name__}") from exc


def _raw_headers(message: Message) -> dict[str, str]:
    """Lower-cased names → first raw value (8-bit bytes still as surrogates)."""
    fields: dict[str, str] = {}
    for name, value in message.raw_items():
        key = str(name).strip().lower()
        if key and key not in fields:
            fields[key] = str(value)
    return fields


MAX_REPEATED_FIELDS = 50
MAX_FIELD_CHARS = 4000


def _all_values(message: Message, name: str) -> tuple[str, ...]:
    """Every raw value of a field that may repeat, top first, bounded in count and size."""
    found = [str(value)[:MAX_FIELD_CHARS] for key, value in message.raw_items()
             if str(key).strip().lower() == name]
    return tuple(found[:MAX_REPEATED_FIELDS])


def _charset_hint(message: Message, structure: Structure) -> str:
    """The charset of the body: 8-bit header bytes were most likely written in it too."""
    for part in (message, *structure.text_parts, *structure.html_parts):
        found = charset(part)
        if found:
            return found
    return ""


def _bodies(structure: Structure, *, hint: str) -> tuple[str, str]:
    """The plain text (from HTML where there is no plain part) and the HTML as sent."""
    texts: list[str] = []
    for part in structure.text_parts:
        ctype = content_type(part)
        if ctype == "text/html":
            texts.append(html_to_text(text_of(part, hint=hint)))
        elif ctype.startswith("text/"):
            texts.append(text_of(part, hint=hint))
    html_types = [content_type(part) for part in structure.html_parts]
    htmls: list[str] = []
    if "text/html" in html_types:
        for part, ctype in zip(structure.html_parts, html_types, strict=True):
            if ctype == "text/html":
                htmls.append(text_of(part, hint=hint))
            elif ctype.startswith("text/"):
                htmls.append(text_to_html(text_of(part, hint=hint)))
    return "\n".join(texts), "\n".join(htmls)


_DATA_IMAGE = re.compile(
    r"""(?P<q>["']?)data:(?P<type>image/[\w.+-]+);base64,(?P<data>[A-Za-z0-9+/=\s]+)(?P=q)""",
    re.IGNORECASE,
)


def _embedded_images(html: str, *, limits: Limits) -> tuple[str, list[ParsedAttachment]]:
    """Images pasted into the HTML as data: URIs (screenshots) become inline attachments the
    HTML refers to by cid: (the sanitizer drops data: URIs, and with them the only content)."""
    if "data:" not in html:
        return html, []
    found: list[ParsedAttachment] = []
    total = 0

    def take(match: re.Match[str]) -> str:
        nonlocal total
        content = h.lenient_b64decode(match["data"].encode("ascii"))
        if not content or len(found) >= limits.max_parts or (
                total + len(content) > limits.max_unpacked_bytes):
            return match.group(0)
        total += len(content)
        ctype = match["type"].lower()
        content_id = f"embedded-{len(found) + 1}@destek.invalid"
        extension = mimetypes.guess_extension(ctype) or ".bin"
        found.append(ParsedAttachment(
            filename=f"image-embedded-{len(found) + 1}{extension}", content_type=ctype,
            content=content, content_id=content_id, inline=True,
        ))
        return f'"cid:{content_id}"'

    return _DATA_IMAGE.sub(take, html), found


def _forwarded_text(inner: Message, *, limits: Limits) -> str:
    """An attached message's text with its headers, for a mail that only forwards it."""
    try:
        structure = analyse(inner, limits=Limits(
            max_bytes=limits.max_bytes, max_parts=limits.max_parts,
            max_depth=max(1, limits.max_depth - 1), max_recipients=limits.max_recipients,
        ))
        fields = _raw_headers(inner)
        text, _ = _bodies(structure, hint=_charset_hint(inner, structure))
    except Exception:  # the outer message is still useful without the inner text
        return ""
    if not text.strip():
        return ""
    lines = ["---------- Forwarded message ----------"]
    for name in ("from", "date", "subject", "to"):
        if fields.get(name):
            lines.append(f"{name.capitalize()}: {h.decode_text(fields[name])}")
    return "\n".join(lines) + "\n\n" + text.strip()


def _addresses(fields: dict[str, str], name: str, *, hint: str, limits: Limits,
               defects: list[str]) -> tuple[str, ...]:
    found = [address for _, address in h.parse_addresses(fields.get(name, ""), hint=hint)]
    unique = list(dict.fromkeys(found))
    if len(unique) > limits.max_recipients:
        defects.append(f"{name.capitalize()} has {len(unique)} addresses: kept the first "
                       f"{limits.max_recipients}")
        unique = unique[: limits.max_recipients]
    return tuple(unique)


def _references(value: str, *, limits: Limits) -> tuple[str, ...]:
    ids = h.parse_message_ids(value)
    cap = limits.max_recipients
    # the root (first) and the most recent ids matter for threading; the middle does not
    return tuple(ids if len(ids) <= cap else [ids[0], *ids[-(cap - 1):]])


def _is_read_receipt(message: Message) -> bool:
    if content_type(message) != "multipart/report":
        return False
    try:
        return str(message.get_param("report-type") or "").lower() == "disposition-notification"
    except Exception:
        return False
