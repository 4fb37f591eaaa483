"""Which MIME parts are the body and which are attachments (RFC 8621 section 4.1.4).

JMAP's published algorithm decides, for any tree, the parts a reader sees as the text body, the
HTML body and the attachments; following it keeps Destek's choice in line with other mail
software (the stalwart corpus expectations are computed the same way). Every accessor of the
stdlib's Message is guarded here, because malformed headers make some of them raise.
"""

from __future__ import annotations

import binascii
import contextlib
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser

from destek.mail.parsing.charsets import decode_bytes
from destek.mail.parsing.flowed import unflow
from destek.mail.parsing.headers import decode_filename, decode_text, lenient_b64decode
from destek.mail.parsing.limits import Limits
from destek.mail.parsing.reading import READING

_INLINE_MEDIA = ("image/", "audio/", "video/")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass
class Structure:
    text_parts: list[Message] = field(default_factory=list)
    html_parts: list[Message] = field(default_factory=list)
    attachments: list[Message] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parts_seen: int = 0


def content_type(part: Message) -> str:
    """The part's type; a multipart whose boundary was lost is read as text/plain.

    Asked for several times per part; the header is parsed once (with policy.default every
    `get` parses it again) and the answer kept on the part."""
    cached = part.__dict__.get("_destek_content_type")
    if cached is not None:
        return str(cached)
    try:
        ctype = part.get_content_type().lower()
    except Exception:
        ctype = "text/plain"
    if ctype.startswith("multipart/") and not part.is_multipart():
        ctype = "text/plain"
    part.__dict__["_destek_content_type"] = ctype
    return ctype


def disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def filename(part: Message) -> str:
    """The file name as sent (RFC 2231, or against the rules RFC 2047 or 8-bit), or ""."""
    try:
        raw = {str(k).lower(): str(v) for k, v in reversed(list(part.raw_items()))}
    except Exception:
        return ""
    return decode_filename(raw.get("content-disposition", ""), raw.get("content-type", ""),
                           hint=charset(part))


def default_filename(part: Message, *, index: int) -> str:
    """A name for a part sent without one, from what it is: a forwarded message's subject, an
    invitation, the extension of its type (or of its content's signature when the type says
    nothing)."""
    ctype = content_type(part)
    if ctype in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        subject = ""
        if isinstance(first, Message):
            raw = next((str(v) for k, v in first.raw_items() if k.lower() == "subject"), "")
            subject = decode_text(raw)[:100].strip(" .")
        return f"{_NOT_IN_NAMES.sub('_', subject)}.eml" if subject else f"message-{index}.eml"
    if ctype == "text/calendar":
        return "invite.ics"
    if ctype == "text/html":
        return f"part-{index}.html"
    extension = _extension(ctype) or _sniffed_extension(part)
    stem = ctype.split("/", 1)[0] if ctype.startswith(_INLINE_MEDIA) else "attachment"
    text_like = ctype.startswith("text/")
    return f"{stem}-{index}{extension or ('.txt' if text_like else '.bin')}"


_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SIGNATURES = ((b"%PDF-", ".pdf"), (b"\x89PNG\r\n", ".png"), (b"\xff\xd8\xff", ".jpg"),
               (b"GIF8", ".gif"), (b"II*\x00", ".tif"), (b"MM\x00*", ".tif"),
               (b"PK\x03\x04", ".zip"), (b"BEGIN:VCALENDAR", ".ics"))


def _extension(ctype: str) -> str:
    """The usual extension of a type; for a type mimetypes does not know (image/jpg,
    application/x-pdf), its short subtype."""
    if ctype in ("application/octet-stream", "application/unknown", "text/plain"):
        return ".txt" if ctype == "text/plain" else ""
    known = mimetypes.guess_extension(ctype)
    if known:
        return known
    subtype = ctype.split("/", 1)[-1].removeprefix("x-")
    alias = mimetypes.guess_extension(f"{ctype.split('/', 1)[0]}/{subtype}")
    if alias:
        return alias
    return f".{subtype}" if subtype.isalnum() and len(subtype) <= 5 else ""


def _sniffed_extension(part: Message) -> str:
    head = payload_bytes(part)[:16]
    return next((ext for signature, ext in _SIGNATURES if head.startswith(signature)), "")


def charset(part: Message) -> str:
    cached = part.__dict__.get("_destek_charset")
    if cached is not None:
        return str(cached)
    try:
        value = part.get_param("charset")
    except Exception:
        value = ""
    if isinstance(value, tuple):
        value = value[2]
    found = str(value) if value else ""
    part.__dict__["_destek_charset"] = found
    return found


def transfer_encoding(part: Message) -> str:
    """The Content-Transfer-Encoding, tolerating the padding and comments clients add."""
    try:
        raw = next((str(v) for k, v in part.raw_items()
                    if k.lower() == "content-transfer-encoding"), "")
    except Exception:
        return ""
    tokens = raw.replace(";", " ").replace("(", " ").split()
    return tokens[0].strip("\"'").lower() if tokens else ""


def payload_bytes(part: Message) -> bytes:
    """The decoded content of a leaf part (or the bytes of an attached message)."""
    if part.is_multipart():
        return message_bytes(part)
    raw = part.get_payload()
    raw_bytes = raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""
    encoding = transfer_encoding(part)
    try:
        # The stdlib only recognises an exact header value ("quoted-printable  " is not).
        if encoding == "quoted-printable":
            return quopri.decodestring(raw_bytes)
        if encoding == "base64":
            return lenient_b64decode(raw_bytes)
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    return data if isinstance(data, bytes) else raw_bytes


def message_bytes(part: Message) -> bytes:
    """An attached message/rfc822 as .eml bytes, undoing an (illegal) transfer encoding."""
    payload = part.get_payload()
    first = payload[0] if isinstance(payload, list) and payload else None
    if content_type(part) in ("message/rfc822", "message/global") and isinstance(first, Message):
        data = _serialize(first)
    else:
        # message/delivery-status and friends: the body holds several header blocks
        data = _HEADER_END.split(_serialize(part), maxsplit=1)[-1]
    encoding = transfer_encoding(part)
    try:
        if encoding == "base64":
            return lenient_b64decode(data)
        if encoding == "quoted-printable":
            return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        pass
    return data


def _serialize(message: Message) -> bytes:
    # The generator cannot always re-serialize what the parser kept; compat32 is laxer.
    for generator_policy in (policy.default, policy.compat32):
        with contextlib.suppress(Exception):
            return message.as_bytes(policy=generator_policy)
    return b""


def text_of(part: Message, *, hint: str = "") -> str:
    """A text leaf decoded by its charset, with the fallbacks of charsets.decode_bytes."""
    declared = charset(part) or hint
    text = decode_bytes(payload_bytes(part), declared=declared).replace("\r\n", "\n")
    if content_type(part) == "text/plain" and _param(part, "format").lower() == "flowed":
        text = unflow(text, delsp=_param(part, "delsp").lower() == "yes")
    return text


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):
        value = value[2]
    return str(value).strip() if value else ""


def analyse(message: Message, *, limits: Limits) -> Structure:
    structure = Structure()
    if message.is_multipart() and content_type(message).startswith("multipart/"):
        structure.parts_seen = 1
        _collect_defects(message, structure)
        subtype = content_type(message).split("/", 1)[1]
        _walk(
            _subparts(message), subtype, subtype == "alternative", structure.html_parts,
            structure.text_parts, structure, limits=limits, depth=1,
        )
    else:
        _walk([message], "mixed", False, structure.html_parts, structure.text_parts, structure,
              limits=limits, depth=0)
    return structure


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [p for p in payload if isinstance(p, Message)] + _recovered(part)


def _recovered(part: Message) -> list[Message]:
    """Parts the stdlib left in the epilogue: after a close delimiter that came too early
    (an inner multipart reusing the outer boundary, a close written before the last part)."""
    cached = part.__dict__.get("_destek_recovered")
    if cached is not None:
        return list(cached)
    part.__dict__["_destek_recovered"] = []
    epilogue = part.epilogue or ""
    try:
        boundary = part.get_boundary() or ""
    except Exception:
        return []
    if not boundary or not re.search(rf"^--{re.escape(boundary)}[ \t]*\r?$", epilogue,
                                     re.MULTILINE):
        return []
    data = epilogue.encode("ascii", errors="surrogateescape")
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode(
        "ascii", errors="surrogateescape")
    try:
        container = BytesParser(policy=READING).parsebytes(head + data)
    except Exception:
        return []
    found = container.get_payload()
    if not isinstance(found, list):
        return []
    recovered = [p for p in found if isinstance(p, Message)]
    part.__dict__["_destek_recovered"] = recovered
    return list(recovered)


def _collect_defects(part: Message, structure: Structure) -> None:
    if part.is_multipart() and _recovered(part):
        _note(structure, "parts after a closing boundary recovered")
    for defect in getattr(part, "defects", []):
        name = type(defect).__name__
        if name not in structure.defects:
            structure.defects.append(name)


def _walk(  # a transcription of RFC 8621's parseStructure, kept in one piece
    parts: list[Message], multipart_type: str, in_alternative: bool,
    html_body: list[Message] | None, text_body: list[Message] | None, structure: Structure,
    *, limits: Limits, depth: int,
) -> None:
    text_length = len(text_body) if text_body is not None else -1
    html_length = len(html_body) if html_body is not None else -1
    for index, part in enumerate(parts):
        structure.parts_seen += 1
        if structure.parts_seen > limits.max_parts:
            _note(structure, f"too many MIME parts: stopped after {limits.max_parts}")
            return
        _collect_defects(part, structure)
        ctype = content_type(part)
        is_multipart = ctype.startswith("multipart/")
        is_media = ctype.startswith(_INLINE_MEDIA)
        is_inline = (
            disposition(part) != "attachment"
            and (ctype in ("text/plain", "text/html") or is_media)
            and (index == 0 or (multipart_type != "related" and (is_media or not filename(part))))
        )
        if is_multipart:
            if depth >= limits.max_depth:
                _note(structure, f"MIME nesting deeper than {limits.max_depth}: not read")
                continue
            subtype = ctype.split("/", 1)[1]
            _walk(_subparts(part), subtype, in_alternative or subtype == "alternative",
                  html_body, text_body, structure, limits=limits, depth=depth + 1)
        elif is_inline and ctype == "text/html" and multipart_type != "alternative" and any(
                content_type(p) == "text/html"
                for p in (*structure.html_parts, *structure.text_parts)):
            # A second HTML document (a forwarded page, a report) is kept whole, not merged.
            structure.attachments.append(part)
        elif is_inline:
            if multipart_type == "alternative":
                if ctype == "text/plain" and text_body is not None:
                    text_body.append(part)
                elif ctype == "text/html" and html_body is not None:
                    html_body.append(part)
                else:
                    structure.attachments.append(part)
                continue
            if in_alternative:
                if ctype == "text/plain":
                    html_body = None
                if ctype == "text/html":
                    text_body = None
            if text_body is not None:
                text_body.append(part)
            if html_body is not None:
                html_body.append(part)
            if is_media:
                # Images are kept once, as (inline) attachments, whatever the body kind.
                structure.attachments.append(part)
        else:
            structure.attachments.append(part)
    if multipart_type == "alternative" and text_body is not None and html_body is not None:
        if text_length == len(text_body) and html_length != len(html_body):
            text_body.extend(html_body[html_length:])
        if html_length == len(html_body) and text_length != len(text_body):
            html_body.extend(text_body[text_length:])


def _note(structure: Structure, defect: str) -> None:
    if defect not in structure.defects:
        structure.defects.append(defect)
