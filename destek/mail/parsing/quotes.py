"""Split a reply into the new text, the quoted history and the signature.

Hand-written: email-reply-parser (the maintained Python port of GitHub's) knows only English
"On … wrote:" and treats any line starting with "-word" as a signature (a hosting customer's
`-rw-r--r--` listing would be cut). Destek needs Turkish and Outlook header blocks too.
Forwarded messages are not quoted history: what a customer forwards is what they ask about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line (or up to three wrapped lines) that introduces quoted history.
_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        (?:on|le|am|el|il|op)\s.{4,300}?(?:wrote|a\ écrit|schrieb|escribió|ha\ scritto|schreef)\s*:
      | .{4,300}?\btarihinde\b.{0,300}?\b(?:şunu|şunları)?\s*yazdı\s*:
      | .{4,300}?\b(?:wrote|yazdı)\s*:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_WRAPPED_START = re.compile(r"^\s*(?:(?:on|le|am|el|il|op)\s|.*\d)", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\ message|özgün\ ileti|orijinal\ ileti|asıl\ ileti|orijinal\ mesaj
                 |ursprüngliche\ nachricht|message\ d'origine|mensaje\ original)\s*-{2,}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Outlook's header block: "From:" / "Kimden:" followed closely by "Sent:" / "Gönderildi:"…
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|kimden|von|de|gönderen)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(?:sent|date|to|subject|gönderildi|gönderilme\ tarihi|tarih|kime|konu|gesendet|"
    r"an|betreff|envoyé|objet|à)\s*:\*?", re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^\s*-{2,}\s*(?:forwarded message|iletilen ileti|iletilmiş ileti|weitergeleitete nachricht"
    r"|message transféré|begin forwarded message)\s*-{2,}\s*$"
    r"|^\s*begin forwarded message\s*:\s*$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"^\s*>")
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my \w[\w ]{0,30}|get outlook for \w+|\w+'(?:umdan|imden|ümden|dan|den)"
    r" gönderildi|(?:ios|android) için outlook'u edinin|envoyé de mon \w+|von meinem \w[\w ]{0,30}"
    r" gesendet)\s*\.?\s*$",
    re.IGNORECASE,
)
_SIGNATURE_WINDOW = 12  # a bare "--" counts as a delimiter only this close to the end


@dataclass(frozen=True)
class Split:
    text: str
    quoted: str
    signature: str


def split_reply(body: str) -> Split:
    """Never returns an empty `text` when the body has words: all-quoted mail stays whole."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _history_start(lines)
    new_lines, quoted_lines = lines[:cut], lines[cut:]
    new_lines, signature_lines = _split_signature(new_lines)
    text = "\n".join(new_lines).strip()
    quoted = "\n".join(quoted_lines).strip()
    signature = "\n".join(signature_lines).strip()
    if not text:
        return Split(text=body.strip(), quoted="", signature="")
    return Split(text=text, quoted=quoted, signature=signature)


def _history_start(lines: list[str]) -> int:
    """The index where quoted history starts, or len(lines) when there is none."""
    only_quotes_follow = _only_quotes_follow(lines)
    for index, line in enumerate(lines):
        if _FORWARD.match(line):
            return len(lines)
        if _SEPARATOR.match(line) or _is_header_block(lines, index):
            return index
        if _UNDERSCORES.match(line):
            following = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if following is not None and _is_header_block(lines, following):
                return index
        for span in (1, 2, 3):
            window = lines[index:index + span]
            if span > 1 and not (_WRAPPED_START.match(line) and all(p.strip() for p in window)):
                break  # a wrapped attribution starts like one: "On …" or a date
            joined = " ".join(part.strip() for part in window)
            if len(joined) <= 400 and _ATTRIBUTION.match(joined):
                if only_quotes_follow[min(index + span, len(lines))]:
                    return index
                break
        if _QUOTED.match(line) and only_quotes_follow[index]:
            return index
    return len(lines)


def _is_header_block(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1:index + 7] if line.strip()]
    return sum(1 for line in following[:5] if _HEADER_OTHER.match(line)) >= 2


def _only_quotes_follow(lines: list[str]) -> list[bool]:
    """For each index: is the rest quoted lines, blanks or a signature (a top-posted reply)?

    With text between the quotes (an inline reply) nothing is cut: the answers need the
    questions next to them. Computed in one backward pass, so long quotes stay linear.
    """
    fresh = [False] * (len(lines) + 1)  # the scan from here has seen no quote yet
    after_quote = [True] * (len(lines) + 1)  # … and with a quote already seen
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line.strip():
            fresh[index], after_quote[index] = fresh[index + 1], after_quote[index + 1]
        elif _QUOTED.match(line):
            fresh[index] = after_quote[index] = after_quote[index + 1]
        elif _SIGNATURE_DELIMITER.match(line) or _MOBILE_SIGNATURE.match(line):
            fresh[index], after_quote[index] = False, True
        else:
            fresh[index] = after_quote[index] = False
    return fresh


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    last = len(lines)
    while last > 0 and not lines[last - 1].strip():
        last -= 1
    for index in range(last - 1, -1, -1):
        line = lines[index]
        if line == "-- " or (line.rstrip() == "--" and last - index <= _SIGNATURE_WINDOW):
            return lines[:index], lines[index + 1:last]
    if last and _MOBILE_SIGNATURE.match(lines[last - 1]):
        return lines[:last - 1], lines[last - 1:last]
    return lines[:last], []
