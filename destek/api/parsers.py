"""Request body parsers that refuse oversized and malformed bodies with a 4xx.

DRF's JSON parser reads the whole body whatever its size and lets a deeply nested document
raise RecursionError (a 500); Django's multipart parser caps form fields but not the files,
which are spooled to disk before any size check. These parsers check the declared length first.
The JSON parser also refuses text no database can store (core.text), at the door.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from destek.api.errors import PayloadTooLarge
from destek.core.text import unstorable_text_path


def _declared_length(parser_context: Mapping[str, Any] | None) -> int:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def _encoding(parser_context: Mapping[str, Any] | None) -> str:
    """The request's charset; only text codecs (a bytes codec such as bz2 could inflate)."""
    encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
    try:
        "".encode(encoding)
    except (LookupError, UnicodeError):
        raise ParseError(_("Unsupported charset %(charset)s.") % {"charset": encoding}) from None
    return str(encoding)


def body_limit() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


def multipart_limit() -> int:
    """Form fields plus the largest set of attachments a message may carry."""
    files = settings.DESTEK_ATTACHMENT_MAX_BYTES * settings.DESTEK_ATTACHMENT_MAX_COUNT
    return body_limit() + files


class JSONParser(parsers.JSONParser):
    def limit(self) -> int:
        return body_limit()

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = self.limit()
        if _declared_length(parser_context) > limit:
            raise PayloadTooLarge()
        encoding = _encoding(parser_context)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The request body is not valid JSON: %(error)s")
                             % {"error": exc}) from None
        # "\ud800" is valid JSON but no UTF-8 response can echo it back (a validation error
        # quoting it was a 500), and no database can store it; nor a NUL on PostgreSQL.
        where = unstorable_text_path(data)
        if where is not None:
            raise ValidationError({where or "non_field_errors": [_(
                "The request body contains text that cannot be stored "
                "(a NUL character or an unpaired surrogate).")]})
        return data


class BulkJSONParser(JSONParser):
    """Bulk imports (hosting sync: up to 5,000 records): a larger body, still bounded."""

    def limit(self) -> int:
        return max(body_limit(), 16 * 1024 * 1024)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        if _declared_length(parser_context) > body_limit():
            raise PayloadTooLarge()
        return super().parse(stream, media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        if _declared_length(parser_context) > multipart_limit():
            raise PayloadTooLarge()
        return super().parse(stream, media_type, parser_context)


JSON_ONLY: list[type[parsers.BaseParser]] = [JSONParser]
JSON_OR_FORM: list[type[parsers.BaseParser]] = [JSONParser, FormParser]
JSON_OR_MULTIPART: list[type[parsers.BaseParser]] = [JSONParser, MultiPartParser]
