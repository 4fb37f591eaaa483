"""Outlook's winmail.dat (application/ms-tnef) unpacked into the files it carries.

tnefparse trusts the counts written in the blob: a crafted winmail.dat can make it loop for
billions of iterations. It runs here under a budget of Python calls (counted with a profiler
hook, so it is deterministic, not a clock) and its output is capped in count and bytes.
"""

from __future__ import annotations

import mimetypes
import sys
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import compressed_rtf  # noqa: F401  (tnefparse decompresses the RTF body with it)
from striprtf.striprtf import rtf_to_text
from tnefparse.tnef import TNEF

from destek.mail.parsing.charsets import decode_bytes

TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
# Enough for thousands of MAPI properties and attachments; a real winmail.dat uses far less.
CALL_BUDGET = 300_000


class _BudgetExceeded(BaseException):
    """A BaseException, so tnefparse's own `except Exception` cannot swallow it."""


@dataclass
class UnpackedFile:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Unpacked:
    files: list[UnpackedFile] = field(default_factory=list)
    text: str = ""
    html: str = ""
    defects: list[str] = field(default_factory=list)


def is_tnef(*, content_type: str, filename: str) -> bool:
    return content_type in TNEF_TYPES or filename.lower() == "winmail.dat"


def unpack(
    data: bytes, *, max_files: int, max_bytes: int, call_budget: int = CALL_BUDGET,
) -> Unpacked:
    """The files (and body) in a TNEF blob; failures become defects, never exceptions."""
    result = Unpacked()
    try:
        parsed = _parse_bounded(data, call_budget=call_budget)
    except _BudgetExceeded:
        result.defects.append("winmail.dat too complex: not unpacked")
        return result
    except Exception as exc:  # a broken blob is kept as the original attachment
        result.defects.append(f"winmail.dat unreadable: {type(exc).__name__}")
        return result
    total = 0
    for attachment in _attachments(parsed):
        content = attachment.data if isinstance(attachment.data, bytes) else b""
        if len(result.files) >= max_files or total + len(content) > max_bytes:
            result.defects.append("winmail.dat holds more than the unpacking limit: rest dropped")
            break
        total += len(content)
        name = _filename(attachment, index=len(result.files) + 1)
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        result.files.append(UnpackedFile(filename=name, content_type=ctype, content=content))
    result.text = _body_text(parsed.body)
    result.html = _body_text(parsed.htmlbody)
    if not result.text.strip() and not result.html.strip():
        result.text = _rtf_text(parsed, max_bytes=max_bytes, defects=result.defects)
    return result


def _rtf_text(parsed: TNEF, *, max_bytes: int, defects: list[str]) -> str:
    """The body Outlook sent only as (LZFu-compressed) RTF, as plain text."""
    try:
        rtf = parsed.rtfbody  # decompressed by tnefparse with compressed_rtf (LZFu, MELA)
    except Exception as exc:  # a damaged blob: the files are still worth having
        defects.append(f"winmail.dat RTF body unreadable: {type(exc).__name__}")
        return ""
    if isinstance(rtf, list):
        rtf = rtf[0] if rtf else b""
    if not isinstance(rtf, bytes) or not rtf.lstrip().startswith(b"{\\rtf"):
        return ""
    if len(rtf) > max_bytes:
        defects.append("winmail.dat RTF body larger than the unpacking limit: not read")
        return ""
    try:
        text = rtf_to_text(rtf.decode("latin-1"), errors="ignore")
    except Exception as exc:
        defects.append(f"winmail.dat RTF body unreadable: {type(exc).__name__}")
        return ""
    return str(text).replace("\r\n", "\n").strip("\x00").strip()


def _parse_bounded(data: bytes, *, call_budget: int) -> TNEF:
    calls = 0
    previous = sys.getprofile()

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1
            if calls > call_budget:
                raise _BudgetExceeded

    sys.setprofile(count)
    try:
        return TNEF(data, do_checksum=False)
    finally:
        sys.setprofile(previous)


def _attachments(parsed: TNEF) -> list[Any]:
    found: list[Any] = []
    for attachment in parsed.attachments:
        embedded = getattr(attachment, "embed", None)
        # an attached Outlook item: its own files matter, its raw MAPI bytes do not
        found.extend(embedded.attachments if isinstance(embedded, TNEF) else [attachment])
    return found


def _filename(attachment: Any, *, index: int) -> str:
    try:
        name = attachment.long_filename()
    except Exception:
        name = ""
    if isinstance(name, bytes):
        name = decode_bytes(name)
    name = str(name or "").strip("\x00").strip()
    return name or f"attachment-{index}.bin"


def _body_text(value: object) -> str:
    if isinstance(value, bytes):
        return decode_bytes(value).strip("\x00")
    return value.strip("\x00") if isinstance(value, str) else ""
