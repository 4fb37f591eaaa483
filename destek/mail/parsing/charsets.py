"""Bytes to text for any charset label a mail client ever wrote, without raising.

Labels lie: "UTF-8" bodies written in GBK or windows-1254, "iso-8859-1" with windows-1252
quotes, ISO-2022-JP with the NEC/IBM characters of CP50220/CP50221. So the declared charset is
tried first and its result kept only when it reads as text (no replacement characters, no C1
controls, no scripts mixed inside a word); otherwise every charset that decodes the bytes
strictly (UTF-8, the caller's hints, charset-normalizer's candidates, the charsets mail is
commonly written in) is scored the same way and the most plausible wins. Last resorts: UTF-8
with a few broken bytes, the declared charset with replacement, latin-1 (cannot fail).
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

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
    return next(iter(detect_all(data)), "")


def detect_all(data: bytes) -> list[str]:
    """charset-normalizer's candidates for these bytes, best first (possibly none)."""
    try:
        matches = list(from_bytes(data[:_DETECT_SAMPLE]))
    except Exception:  # a detector bug must not lose the mail
        return []
    found: list[str] = []
    for match in matches:
        codec = normalize_label(match.encoding)
        # A UTF-16/32 guess for text with few NUL bytes is wrong in mail: it would read as CJK.
        if codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32")) and (
            data.count(b"\x00") * 5 < len(data)
        ):
            continue
        if codec and codec not in found:
            found.append(codec)
    return found


# The charsets mail is written in, tried when the label failed and detection had no good answer.
# The order breaks ties between equally plausible readings: multi-byte charsets first (bytes
# that fit one strictly are rarely anything else; every single-byte charset fits any bytes),
# and windows-1254 before the other single-byte Latin ones, as Destek's customers write Turkish.
_COMMON = (
    "gb18030", "cp950", "cp932", "euc_jp", "cp949", "cp1254", "cp1252", "cp1250", "cp1251",
    "koi8_r", "cp1253", "cp1257",
)
# A declared decoding above this suspicion (penalty per non-ASCII character) is re-examined.
_IMPLAUSIBLE = 0.2
# Readings within this much of the best one are equals; the earlier candidate wins.
_TIE = 0.001
# Scoring reads the start of a text only: the verdict is the same and huge parts stay fast.
_SCORE_SAMPLE = 4096
_DETECT_MINIMUM = 32
_JIS_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(I", b"\x1b$(Q", b"\x1b$(O")


def decode_bytes(data: bytes, *, declared: object = "", fallbacks: Iterable[str] = ()) -> str:
    """The text in `data`, decoded as the module docstring says; never raises.

    `fallbacks`: charsets worth trying before detection (for header bytes, the charset of the
    message body and of the header's encoded words)."""
    codec = normalize_label(declared)
    text = _decode_strict(data, codec) if codec else None
    if text is not None and _suspicion(text) <= _IMPLAUSIBLE:
        return _clean(text)
    best = _most_plausible(data, declared=text, codec=codec, fallbacks=fallbacks)
    if best is not None:
        return _clean(best)
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        return _clean(mostly_utf8)
    for candidate in (codec, detect(data)):
        if candidate:
            try:
                return _clean(data.decode(candidate, errors="replace"))
            except (UnicodeError, LookupError, ValueError):
                continue
    return _clean(data.decode("latin-1"))


def _most_plausible(data: bytes, *, declared: str | None, codec: str,
                    fallbacks: Iterable[str]) -> str | None:
    """The least suspicious strict reading of `data`; earlier candidates win near-ties."""
    readings: list[tuple[float, str]] = []
    if codec != "utf-8" or declared is None:
        utf8 = _decode_strict(data, "utf-8")
        if utf8 is not None and not _unreadable(utf8):
            return utf8  # non-ASCII bytes that happen to form valid UTF-8 are almost always UTF-8
        mostly_utf8 = _mostly_utf8(data) if utf8 is None else None
        if mostly_utf8 is not None:
            return mostly_utf8  # UTF-8 cut mid-character, not another charset
    tried = {codec, "utf-8"}
    hinted = [normalize_label(label) for label in fallbacks]
    jis = ["iso2022_jp_ext"] if any(escape in data for escape in _JIS_ESCAPES) else []
    # charset-normalizer guesses at random on a few bytes (a name): trust the usual order there.
    detected = detect_all(data) if len(data) >= _DETECT_MINIMUM else []
    for candidate in (*jis, *hinted, *detected, *_COMMON):
        if not candidate or candidate in tried:
            continue
        tried.add(candidate)
        text = _decode_strict(data, candidate)
        if text is None:
            continue
        readings.append((_suspicion(text), text))
        if readings[-1][0] == 0:
            break  # nothing reads cleaner, and earlier candidates win ties anyway
    if not readings:
        return declared
    lowest = min(score for score, _ in readings)
    if declared is not None and lowest * 2 >= _suspicion(declared):
        return declared  # the label only loses to a clearly better reading
    if lowest > 1.0 and declared is None:
        return None  # every reading is garbage: leave it to the lossy last resorts
    return next(text for score, text in readings if score <= lowest + _TIE)


def _decode_strict(data: bytes, codec: str) -> str | None:
    """`data` in `codec`, or None when some byte is invalid in it."""
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        pass
    if codec.startswith("iso2022_jp"):
        return _decode_cp50221(data)
    return None


def _decode_cp50221(data: bytes) -> str | None:
    """ISO-2022-JP as Japanese Windows clients write it (CP50220/CP50221).

    They put NEC row 13 (①, №, ㈱), NEC-selected IBM characters and half-width katakana in
    ISO-2022-JP, which Python's iso2022 codecs reject. Every such character has a Shift_JIS
    code point in cp932, so the JIS sequences are turned into Shift_JIS and read as cp932."""
    sjis = _jis_to_shift_jis(data)
    if sjis is None:
        return None
    try:
        return sjis.decode("cp932")
    except UnicodeDecodeError:
        return None


def _jis_to_shift_jis(data: bytes) -> bytes | None:
    out = bytearray()
    mode = "ascii"  # or "jis" (two-byte JIS X 0208 rows) or "kana" (JIS X 0201 katakana)
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x1B:
            escape = data[i + 1:i + 4]
            if escape[:2] in (b"$B", b"$@"):
                mode, i = "jis", i + 3
            elif escape in (b"$(Q", b"$(O", b"$(B"):
                mode, i = "jis", i + 4  # JIS X 0213 plane 1: its first 94 rows as JIS X 0208
            elif escape[:2] == b"(I":
                mode, i = "kana", i + 3
            elif escape[:2] in (b"(B", b"(J", b"(H"):
                mode, i = "ascii", i + 3
            elif escape[:2] == b"&@":
                i += 3  # "JIS X 0208-1990 follows": the next escape says which set
            else:
                return None  # JIS X 0212 and other sets cp932 does not have
            continue
        if byte in (0x0E, 0x0F):  # SO/SI: half-width katakana in CP50222's way
            mode, i = ("kana" if byte == 0x0E else "ascii"), i + 1
            continue
        if byte in (0x0A, 0x0D) or byte >= 0x80:
            if byte >= 0x80:
                return None
            mode = "ascii" if mode == "kana" else mode
            out.append(byte)
            i += 1
        elif mode == "jis" and 0x21 <= byte <= 0x7E:
            if i + 1 >= len(data) or not 0x21 <= data[i + 1] <= 0x7E:
                return None
            out += _jis_pair_to_shift_jis(byte, data[i + 1])
            i += 2
        elif mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
            i += 1
        else:
            out.append(byte)
            i += 1
    return bytes(out)


def _jis_pair_to_shift_jis(first: int, second: int) -> bytes:
    # The arithmetic of Shift_JIS: two JIS rows share one lead byte.
    lead = ((first + 1) >> 1) + 0x70
    if lead >= 0xA0:
        lead += 0x40
    if first & 1:
        trail = second + 0x1F
        if trail >= 0x7F:
            trail += 1
    else:
        trail = second + 0x7E
    return bytes((lead, trail))


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a name cut mid-character) rather than another charset."""
    try:  # only the last character cut short (a subject truncated by a client)
        head = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        head = ""
    if not head.isascii():  # and the rest has UTF-8 characters to prove it is UTF-8
        return head
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 127) - broken
    if multibyte >= 2 * broken and broken * 50 <= len(text):
        return text
    return None


# Plausibility ----------------------------------------------------------------------------------
# Mojibake has tell-tale signs in any language: characters that cannot be text (controls,
# unassigned, private use, U+FFFD), characters from corners of Unicode nobody writes mail in,
# symbols inside words, scripts or letter case changing inside a word, and Latin words made
# mostly of accented letters (Cyrillic or Greek read in a Latin charset).
_WHITESPACE_CONTROLS = "\t\n\r\f\v"
_TURKISH_LETTERS = frozenset("ğĞıİşŞ")
_RARE_LATIN_1 = frozenset("ðÐýÝþÞ")  # Icelandic: where windows-1254 has ğ ı ş


@lru_cache(maxsize=4096)  # pure, and asked for every character of every reading
def _script(ch: str) -> str:
    code = ord(ch)
    if code < 0x250:
        return "latin"
    if 0x1E00 <= code < 0x1F00:
        return "latin"
    for start, end, name in _SCRIPTS:
        if start <= code < end:
            return name
    return "other"


_SCRIPTS = (
    (0x370, 0x400, "greek"), (0x400, 0x530, "cyrillic"), (0x590, 0x600, "hebrew"),
    (0x600, 0x700, "arabic"), (0xE00, 0xE80, "thai"), (0x1100, 0x1200, "hangul"),
    (0x3040, 0x3100, "kana"), (0x3130, 0x3190, "hangul"), (0x31F0, 0x3200, "kana"),
    (0x3400, 0x4DC0, "han"), (0x4E00, 0xA000, "han"), (0xAC00, 0xD7B0, "hangul"),
    (0xF900, 0xFB00, "han"), (0xFF61, 0xFFA0, "halfwidth-kana"),
)
_CJK = frozenset({"han", "kana", "hangul", "halfwidth-kana"})
_ALPHABETIC = frozenset({"latin", "greek", "cyrillic"})
# Ranges that appear in mojibake far more often than in mail anyone wrote.
_RARE_RANGES = (
    (0x180, 0x370),  # Latin Extended-B, IPA, spacing modifiers, lone combining marks
    (0x2500, 0x2600),  # box drawing, blocks, geometric shapes
    (0x3100, 0x3130), (0x3400, 0x4DC0), (0xA000, 0xA4D0),  # bopomofo, CJK ext. A, Yi
    (0xFF61, 0xFFA0),  # half-width katakana: cp932's reading of other charsets' bytes
)


def _unreadable(text: str) -> bool:
    """Characters no text contains: replacement characters, C1 and other controls."""
    return any(_char_penalty(ch) >= 3 for ch in text[:_SCORE_SAMPLE] if not ch.isascii()) or (
        "\x1b" in text
    )


@lru_cache(maxsize=4096)
def _char_penalty(ch: str) -> float:
    code = ord(ch)
    category = unicodedata.category(ch)
    if ch == "\ufffd" or category in ("Cn", "Co", "Cs") or (
        category == "Cc" and ch not in _WHITESPACE_CONTROLS
    ):
        return 3.0
    if any(start <= code < end for start, end in _RARE_RANGES):
        return 1.0
    if (0x100 <= code < 0x180 and ch not in _TURKISH_LETTERS) or ch in _RARE_LATIN_1:
        return 0.3  # a legitimate letter, but a rarer one for Destek's customers
    if 0x4E00 <= code < 0xA000 and not _common_han(ch):
        return 0.5  # a short name read in the wrong CJK charset is made of rare characters
    return 0.0


# The "level 1" (most frequent) characters of GB2312, Big5 and JIS X 0208, by lead byte.
_COMMON_HAN_ROWS = (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6), ("euc_jp", 0xB0, 0xCF))


@lru_cache(maxsize=8192)
def _common_han(ch: str) -> bool:
    for codec, first, last in _COMMON_HAN_ROWS:
        try:
            if first <= ch.encode(codec)[0] <= last:
                return True
        except UnicodeEncodeError:
            continue
    return False


def _pair_penalty(before: str, ch: str, after: str) -> float:
    """Signs of mojibake in a character's neighbourhood."""
    if not ch.isalpha():
        # a non-ASCII symbol between two letters of a word ("MÃ¼ller")
        inside_word = _alphabetic_letter(before) and _alphabetic_letter(after)
        return 1.0 if ord(ch) > 127 and inside_word else 0.0
    penalty = 0.0
    script = _script(ch)
    for neighbour in (before, after):
        other = _script(neighbour) if neighbour.isalpha() else script
        if other != script and not {other, script} <= {"han", "kana"} and not (
            neighbour.isascii() and script in _CJK
        ):
            penalty += 1.0  # scripts change inside a word ("aзэlmэyor")
    if ch.isupper() and before.isalpha() and script == _script(before):
        # capitals inside a word: "ъДТБЧУФЧХКФЕ" is KOI8-R read as windows-1251
        penalty += 0.5 if before.islower() else 0.1
    if script in _CJK and before.isascii() and before.isalpha() and after.isascii() and (
        after.isalpha()
    ):
        penalty += 1.0  # one CJK character inside a Latin word: a UTF-8 sequence read as GBK
    return penalty


def _alphabetic_letter(ch: str) -> bool:
    return ch.isalpha() and _script(ch) in _ALPHABETIC


def _suspicion(text: str) -> float:
    """How much `text` looks like mojibake: the penalty per non-ASCII character (0 = clean)."""
    sample = text[:_SCORE_SAMPLE]
    if sample.isascii() and "\x1b" not in sample:
        return 0.0
    penalty = 0.0
    foreign = 0
    word_letters = word_accented = 0
    padded = f" {sample} "
    for index in range(1, len(padded) - 1):
        ch = padded[index]
        if ch.isascii() and ch != "\x1b":
            if ch.isalpha():
                word_letters += 1
                continue
            if word_letters >= 4 and word_accented == word_letters:
                penalty += word_accented / 2  # "Çäðàâñòâóéòå": Cyrillic read as windows-1252
            word_letters = word_accented = 0
            continue
        foreign += 1
        penalty += _char_penalty(ch) + _pair_penalty(padded[index - 1], ch, padded[index + 1])
        if padded[index - 1] == " " and index > 1 and _script(ch) == _script(padded[index - 2]) == (
            "han"
        ):
            penalty += 0.3  # Chinese puts no spaces between words; Cyrillic read as Big5 does
        if ch.isalpha() and _script(ch) == "latin":
            word_letters += 1
            word_accented += 1
        elif not ch.isalpha():
            word_letters = word_accented = 0
    if word_letters >= 4 and word_accented == word_letters:
        penalty += word_accented / 2
    return penalty / max(foreign, 1)


def _clean(text: str) -> str:
    # NUL bytes break PostgreSQL text columns; lone surrogates break UTF-8 encoding later.
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text
