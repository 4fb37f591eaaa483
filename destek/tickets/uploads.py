"""Checks every uploaded file passes before it is stored, whichever door it came through."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from destek.core.errors import ApplicationError

# Never accepted, whatever type the client claims: they run when opened.
BLOCKED_SUFFIXES = frozenset({
    ".exe", ".bat", ".cmd", ".com", ".scr", ".pif", ".msi", ".vbs", ".js", ".jse", ".wsf",
    ".ps1", ".jar", ".html", ".htm", ".svg", ".xhtml", ".hta", ".lnk", ".dll", ".apk",
})


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: bytes
    content_type: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


def clean_filename(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip().strip(".") or "attachment"
    return "".join(c for c in base if c.isprintable())[:200]


def checked_content_type(name: str, claimed: str) -> str:
    """The type we trust: guessed from the name, not the client's claim; must be allowed."""
    suffix = PurePath(name).suffix.lower()
    if suffix in BLOCKED_SUFFIXES:
        raise ApplicationError(_("Files of type %(suffix)s are not accepted.") % {"suffix": suffix},
                               field="attachments")
    guessed = mimetypes.guess_type(name)[0] or claimed.split(";")[0].strip().lower()
    guessed = guessed or "application/octet-stream"
    if guessed not in settings.DESTEK_ATTACHMENT_ALLOWED_TYPES:
        raise ApplicationError(
            _("Files of type %(type)s are not accepted.") % {"type": guessed}, field="attachments"
        )
    return guessed


def validate_files(files: list[InboundFile]) -> list[InboundFile]:
    """Raise ApplicationError on too many, too large or forbidden files; return clean copies."""
    if len(files) > settings.DESTEK_ATTACHMENT_MAX_COUNT:
        raise ApplicationError(
            _("At most %(count)d files can be attached.")
            % {"count": settings.DESTEK_ATTACHMENT_MAX_COUNT},
            field="attachments",
        )
    cleaned = []
    limit = settings.DESTEK_ATTACHMENT_MAX_BYTES
    for f in files:
        name = clean_filename(f.name)
        if f.size > limit:
            raise ApplicationError(
                _("%(name)s is larger than the limit of %(mb).1f MB.")
                % {"name": name, "mb": limit / 1024 / 1024},
                field="attachments",
            )
        if f.size == 0:
            raise ApplicationError(_("%(name)s is empty.") % {"name": name}, field="attachments")
        cleaned.append(InboundFile(name=name, content=f.content,
                                   content_type=checked_content_type(name, f.content_type)))
    return cleaned


def files_from_request(uploaded: list[UploadedFile]) -> list[InboundFile]:
    """Django UploadedFile objects → InboundFile, refusing oversized ones before reading them."""
    limit = settings.DESTEK_ATTACHMENT_MAX_BYTES
    result = []
    for upload in uploaded:
        if upload.size > limit:
            raise ApplicationError(
                _("%(name)s is larger than the limit of %(mb).1f MB.")
                % {"name": clean_filename(upload.name or ""), "mb": limit / 1024 / 1024},
                field="attachments",
            )
        result.append(InboundFile(name=upload.name or "attachment", content=upload.read(),
                                  content_type=upload.content_type or ""))
    return result
