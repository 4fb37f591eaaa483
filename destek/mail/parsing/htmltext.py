"""Plain text from an HTML mail body, keeping what quote detection needs.

destek.core.sanitize.html_to_text expects HTML already sanitized and drops <blockquote>
nesting; a mail's raw HTML has <head>, <style> and quoted history in <blockquote>, which is
rendered here as "> " lines so the quote splitter treats HTML-only and plain mails alike.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from destek.core.sanitize import html_to_text as sanitized_html_to_text
from destek.core.sanitize import sanitize_html

_SKIP = {"head", "style", "script", "title", "template", "xml", "noscript"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0

    def _break(self) -> None:
        line = "".join(self.current)
        if self.pre_depth == 0:
            line = _SPACES.sub(" ", line).strip()
        prefix = "> " * self.quote_depth
        self.lines.append((prefix + line).rstrip() if line else prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "br":
            self._break()
        elif tag in _BLOCK:
            if self.current:
                self._break()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "pre":
                self.pre_depth += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag in ("td", "th") and self.current:
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            if self.current:
                self._break()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            elif tag in ("p", "div", "table", "ul", "ol") and self.lines and self.lines[-1]:
                self.lines.append("> " * self.quote_depth if self.quote_depth else "")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            parts = data.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._break()
                self.current.append(part)
        else:
            self.current.append(data.replace("\r", " ").replace("\n", " "))

    def text(self) -> str:
        if self.current:
            self._break()
        lines = [line.rstrip() for line in self.lines]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def html_to_text(html: str) -> str:
    """Readable text for an untrusted HTML body; never raises."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
        return extractor.text()
    except Exception:  # html.parser has asserted on odd markup in some Python versions
        return sanitized_html_to_text(sanitize_html(html))
