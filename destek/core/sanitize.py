"""Untrusted HTML is cleaned with nh3 before it is stored; plain text is derived from it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from django.http import HttpRequest

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "cid"}

_BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6]|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n{3,}")


def sanitize_html(raw: str) -> str:
    """Keep formatting, drop scripts, styles, event handlers and foreign schemes."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(clean_html: str) -> str:
    """A readable plain-text version of sanitized HTML (for email, search and previews)."""
    text = _BLOCK_END.sub("\n", clean_html)
    text = html.unescape(_TAG.sub("", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def text_to_html(text: str) -> str:
    """Plain text typed by a person, shown as escaped paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p]
    return "".join(
        "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


# --- remote images -------------------------------------------------------------------------------
# An image from another host in an email (a tracking pixel, a logo) tells its sender when and
# from where the message was read. Such images are shown only when the reader asks: until then
# the <img> points at a placeholder and keeps its address in data-remote-src. Images stored with
# the message (cid: parts, rewritten to Destek's attachment URLs) are not remote.
REMOTE_IMAGE_PLACEHOLDER = "destek/remote-image.svg"  # a static file
REMOTE_IMAGE_CLASS = "remote-image-blocked"
_REMOTE_URL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_REMOTE_IMG_HINT = re.compile(r"<img\b[^>]*\bsrc=\"\s*(?:https?:)?//", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RemoteImages:
    html: str
    blocked: bool  # at least one remote image was replaced by the placeholder


class _ImageRewriter(HTMLParser):
    """Re-serializes sanitized HTML with remote <img> sources moved to data-remote-src."""

    def __init__(self, placeholder: str) -> None:
        super().__init__(convert_charrefs=True)
        self.placeholder = placeholder
        self.out: list[str] = []
        self.blocked = False

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if tag == "img":
            values = dict(attrs)
            src = values.get("src") or ""
            if _REMOTE_URL.match(src):
                self.blocked = True
                values.update({"src": self.placeholder, "data-remote-src": src,
                               "class": REMOTE_IMAGE_CLASS})
                attrs = list(values.items())
        rendered = "".join(f' {name}="{html.escape(value or "")}"' for name, value in attrs)
        self.out.append(f"<{tag}{rendered}{close}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, " /")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def block_remote_images(clean_html: str, *, placeholder: str) -> RemoteImages:
    """`clean_html` (sanitized) with every image from another host replaced by `placeholder`;
    the result is sanitized again, so nothing but the moved address is added."""
    if not _REMOTE_IMG_HINT.search(clean_html):
        return RemoteImages(html=clean_html, blocked=False)
    rewriter = _ImageRewriter(placeholder)
    rewriter.feed(clean_html)
    rewriter.close()
    if not rewriter.blocked:
        return RemoteImages(html=clean_html, blocked=False)
    attributes = {**ALLOWED_ATTRIBUTES,
                  "img": ALLOWED_ATTRIBUTES["img"] | {"data-remote-src"}}
    cleaned = nh3.clean("".join(rewriter.out), tags=ALLOWED_TAGS, attributes=attributes,
                        url_schemes=ALLOWED_URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                        allowed_classes={"img": {REMOTE_IMAGE_CLASS}})
    return RemoteImages(html=cleaned, blocked=True)


REMOTE_IMAGES_PARAMETER = "remote_images"  # ?remote_images=<message id>: show that one's


def remote_images_asked(request: HttpRequest) -> int | None:
    """The message whose remote images the reader asked to see on this page, if any."""
    value = request.GET.get(REMOTE_IMAGES_PARAMETER, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


@dataclass(frozen=True, slots=True)
class ShownBody:
    """A message body as a reader sees it."""

    html: str
    # "blocked": its images from other hosts show the placeholder until the reader asks;
    # "shown": the reader asked (the response's CSP must then allow them); "": none.
    remote_images: str


def body_for_reader(clean_html: str, *, show_remote_images: bool,
                    placeholder: str) -> ShownBody:
    found = block_remote_images(clean_html, placeholder=placeholder)
    if not found.blocked:
        return ShownBody(html=clean_html, remote_images="")
    if show_remote_images:
        return ShownBody(html=clean_html, remote_images="shown")
    return ShownBody(html=found.html, remote_images="blocked")
