"""Checks every uploaded file passes before it is stored, whichever door it came through."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from destek.core.errors import ApplicationError
from destek.tickets.activecontent import active_content


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


def checked_content_type(name: str, claimed: str, content: bytes = b"") -> str:
    """The type we store: guessed from the name, else the client's claim. Active content is
    refused (see `active_content`); when DESTEK_ATTACHMENT_ALLOWED_TYPES lists types, only
    those are accepted."""
    refusal = active_content(name=name, declared=claimed, content=content)
    if refusal is not None:
        raise ApplicationError(refusal.upload_error(name), field="attachments")
    guessed = mimetypes.guess_type(name)[0] or claimed.split(";")[0].strip().lower()
    guessed = guessed or "application/octet-stream"
    allowed = list(settings.DESTEK_ATTACHMENT_ALLOWED_TYPES)
    if allowed and guessed not in allowed:
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
                                   content_type=checked_content_type(name, f.content_type,
                                                                      f.content)))
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
