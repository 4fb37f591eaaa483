"""What a logo or favicon upload must be: a raster image we recognise by its first bytes (the
name and the browser's claim are not trusted, as for every upload: tickets.uploads), small.

SVG is refused: it is a document that may carry scripts and links, and Destek would serve it
from its own origin. A PNG, JPEG, GIF or WebP (and ICO for the favicon) cannot."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

LOGO_MAX_BYTES = 512 * 1024
FAVICON_MAX_BYTES = 128 * 1024

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
ICO = (b"\x00\x00\x01\x00", "image/x-icon")


@dataclass(frozen=True)
class Image:
    content: bytes
    content_type: str


def sniff(content: bytes, *, allow_ico: bool) -> str | None:
    """The image type its bytes say, or None."""
    for magic, kind in SIGNATURES:
        if content.startswith(magic):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if allow_ico and content.startswith(ICO[0]):
        return ICO[1]
    return None


def looks_like_svg(name: str, content: bytes) -> bool:
    head = content[:1024].lstrip().lower()
    return name.lower().endswith((".svg", ".svgz")) or b"<svg" in head or head.startswith(b"<?xml")


def check_image(upload: UploadedFile, *, favicon: bool = False) -> Image:
    limit = FAVICON_MAX_BYTES if favicon else LOGO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_("The image is larger than the limit of %(kb)d KB.")
                              % {"kb": limit // 1024}, code="too_large")
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(_("The image is larger than the limit of %(kb)d KB.")
                              % {"kb": limit // 1024}, code="too_large")
    if not content:
        raise ValidationError(_("The file is empty."), code="empty")
    name = upload.name or ""
    if looks_like_svg(name, content):
        raise ValidationError(_("SVG images are not accepted, as they can carry scripts. "
                                "Upload a PNG, JPEG, GIF or WebP image."), code="svg")
    kind = sniff(content, allow_ico=favicon)
    if kind is None:
        message = (_("Upload a PNG, ICO, JPEG, GIF or WebP image.") if favicon
                   else _("Upload a PNG, JPEG, GIF or WebP image."))
        raise ValidationError(message, code="type")
    return Image(content=content, content_type=kind)
