"""Bytes to text for any charset label a mail client ever wrote, without raising.

Order: the declared charset (strict) → UTF-8 (strict) → what charset-normalizer detects →
the declared charset with replacement → latin-1 (every byte maps, so it cannot fail).
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Labels seen in the wild that Python does not know, or knows as a stricter subset.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "unicode-1-1-utf-7": "utf-7",
    "x-utf-7": "utf-7",
    "iso-2022-jp": "iso2022_jp_ext",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "windows-874": "cp874",
    "x-mac-turkish": "mac_turkish",
    "latin5": "iso-8859-9",
    "iso-ir-148": "iso-8859-9",
    "utf8": "utf-8",
    "unicode": "utf-16",
}
# Labels that mean "I do not know", or text codecs that must never run on mail content.
_UNKNOWN = {"", "x-unknown", "unknown", "none", "null", "default", "charset", "unknown-8bit"}
_FORBIDDEN_CODECS = {
    "unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined", "mbcs", "oem",
    "unicode_internal", "palmos",
}
_ASCII = {"us-ascii", "ascii", "ansi_x3.4-1968", "646", "us"}
# charset-normalizer samples the text itself; capping its input bounds its time on huge parts.
_DETECT_SAMPLE = 64 * 1024


def normalize_label(label: object) -> str:
    """A Python codec name for a MIME charset label, or "" when unknown or unsafe."""
    if not isinstance(label, str):
        return ""
    name = label.strip().strip("\"'").strip().lower()
    # RFC 2231 language suffix (utf-8*tr) and stray parameters (utf-8; format=flowed)
    name = name.split("*", 1)[0].split(";", 1)[0].strip()
    if name in _UNKNOWN or name in _ASCII:
        return ""
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return ""
    if not getattr(info, "_is_text_encoding", True) or (
        info.name.replace("-", "_") in _FORBIDDEN_CODECS
    ):
        return ""
    return info.name


def detect(data: bytes) -> str:
    """charset-normalizer's best guess for these bytes, or "" when it has none."""
    try:
        best = from_bytes(data[:_DETECT_SAMPLE]).best()
    except Exception:  # a detector bug must not lose the mail
        return ""
    if best is None:
        return ""
    codec = normalize_label(best.encoding)
    # A UTF-16/32 guess for text with few NUL bytes is wrong in mail: it would read as CJK.
    if codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32")) and (
        data.count(b"\x00") * 5 < len(data)
    ):
        return ""
    return codec


def decode_bytes(data: bytes, *, declared: object = "") -> str:
    """The text in `data`, decoded by the fallback order above; never raises."""
    codec = normalize_label(declared)
    if codec:
        try:
            return _clean(data.decode(codec))
        except (UnicodeError, LookupError, ValueError):
            pass
    try:
        return _clean(data.decode("utf-8"))
    except UnicodeError:
        pass
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        return _clean(mostly_utf8)
    detected = detect(data)
    for candidate in (detected, codec):
        if candidate:
            try:
                return _clean(data.decode(candidate, errors="replace"))
            except (UnicodeError, LookupError, ValueError):
                continue
    return _clean(data.decode("latin-1"))


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a name cut mid-character) rather than another charset."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 127) - broken
    if multibyte >= 2 * broken and broken * 50 <= len(text):
        return text
    return None


def _clean(text: str) -> str:
    # NUL bytes break PostgreSQL text columns; lone surrogates break UTF-8 encoding later.
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text
