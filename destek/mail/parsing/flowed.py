"""format=flowed text (RFC 3676) unwrapped into paragraphs.

A line ending in a space is soft-broken: it continues on the next line of the same quote depth
(with DelSp=yes the space itself was added by the sender and is removed). A leading space added
to protect a line ("space-stuffing") is removed; the signature separator "-- " stays a line of
its own. Quoted lines keep their depth, written back as "> " per level for the quote splitter.
"""

from __future__ import annotations

_SIGNATURE = "-- "


def unflow(text: str, *, delsp: bool = False) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    depth_open = -1  # quote depth of the paragraph being joined, -1 when none is open

    def close() -> None:
        nonlocal depth_open
        if depth_open >= 0:
            out.append(_quoted("".join(paragraph), depth_open))
            paragraph.clear()
            depth_open = -1

    for line in text.split("\n"):
        line = line.removesuffix("\r")
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffed (or the space after the quote marks)
        if depth_open >= 0 and depth != depth_open:
            close()  # a change of depth ends a paragraph, even after a soft break
        flowed = content.endswith(" ") and content != _SIGNATURE
        if flowed and delsp:
            content = content[:-1]
        paragraph.append(content)
        depth_open = depth
        if not flowed:
            close()
    close()
    return "\n".join(out)


def _quoted(line: str, depth: int) -> str:
    return f"{'>' * depth} {line}" if depth else line
