"""Article bodies: Markdown (markdown-it-py, CommonMark + tables) → HTML sanitized by nh3.

Raw HTML inside the Markdown is not passed through; what is stored and shown is always the
sanitized output.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

from destek.core.sanitize import html_to_text, sanitize_html


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"])


def render_markdown(source: str) -> tuple[str, str]:
    """(sanitized HTML, plain text) of a Markdown body."""
    clean = sanitize_html(_parser().render(source or ""))
    return clean, html_to_text(clean)
