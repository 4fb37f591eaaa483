"""MIME leaves that are not body text become ParsedAttachments (winmail.dat is unpacked)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from destek.mail.parsing import tnef
from destek.mail.parsing.headers import parse_message_ids
from destek.mail.parsing.limits import Limits
from destek.mail.parsing.mime import (
    content_type,
    default_filename,
    disposition,
    filename,
    payload_bytes,
)
from destek.mail.parsing.types import ParsedAttachment

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")
_MAX_NAME = 200


@dataclass
class Extracted:
    attachments: list[ParsedAttachment] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # attached message/rfc822, parsed
    tnef_text: str = ""
    tnef_html: str = ""
    defects: list[str] = field(default_factory=list)


def extract(parts: list[Message], *, html: str, limits: Limits) -> Extracted:
    result = Extracted()
    referenced = html.lower()
    for part in parts:
        ctype = content_type(part)
        name = filename(part) or default_filename(part, index=len(result.attachments) + 1)
        content = payload_bytes(part)
        if ctype.startswith("message/") and part.is_multipart():
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                result.messages.append(inner[0])
        if tnef.is_tnef(content_type=ctype, filename=name):
            unpacked = tnef.unpack(content, max_files=limits.max_parts,
                                   max_bytes=limits.max_unpacked_bytes)
            result.defects.extend(unpacked.defects)
            if unpacked.files or unpacked.text.strip() or unpacked.html.strip():
                for file in unpacked.files:
                    result.attachments.append(ParsedAttachment(
                        filename=safe_filename(file.filename, file.content_type,
                                               index=len(result.attachments) + 1),
                        content_type=file.content_type, content=file.content,
                    ))
                result.tnef_text = result.tnef_text or unpacked.text
                result.tnef_html = result.tnef_html or unpacked.html
                continue
        content_id = _content_id(part)
        inline = bool(content_id) and (
            f"cid:{content_id.lower()}" in referenced or disposition(part) == "inline"
        )
        result.attachments.append(ParsedAttachment(
            filename=safe_filename(name, ctype, index=len(result.attachments) + 1),
            content_type=ctype,
            content=content,
            content_id=content_id,
            inline=inline,
        ))
    return result


def _content_id(part: Message) -> str:
    try:
        raw = next((str(v) for k, v in part.raw_items() if k.lower() == "content-id"), "")
    except Exception:
        return ""
    ids = parse_message_ids(raw)
    return ids[0] if ids else ""


def safe_filename(name: str, ctype: str, *, index: int) -> str:
    """A name without directories or control characters; made up from the type when empty."""
    name = _UNSAFE.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if len(name) > _MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[: _MAX_NAME - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    if name:
        return name
    if ctype in ("message/rfc822", "message/global"):
        return f"message-{index}.eml"
    text_like = ctype.startswith(("text/", "message/"))
    extension = mimetypes.guess_extension(ctype) or (".txt" if text_like else ".bin")
    stem = "image" if ctype.startswith("image/") else "attachment"
    return f"{stem}-{index}{extension}"
