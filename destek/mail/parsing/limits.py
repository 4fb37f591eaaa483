"""Bounds on what one message may cost the parser (time and memory), read at call time."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES  # larger messages keep their headers only
    max_parts: int = 500  # MIME parts walked; the rest is dropped with a defect
    max_depth: int = 10  # multipart / message/rfc822 nesting
    max_recipients: int = 100  # per address header (To, Cc, Reply-To)
    max_unpacked_bytes: int = DEFAULT_MAX_BYTES  # files taken out of one winmail.dat
    max_header_bytes: int = 1024 * 1024  # header block kept from an oversized message


def limits_from_settings() -> Limits:
    """The limits configured in Django settings (DESTEK_MAIL_MAX_BYTES…), else the defaults."""
    try:
        from django.conf import settings

        if not settings.configured:
            return Limits()
        max_bytes = int(getattr(settings, "DESTEK_MAIL_MAX_BYTES", DEFAULT_MAX_BYTES))
        return Limits(
            max_bytes=max_bytes,
            max_parts=int(getattr(settings, "DESTEK_MAIL_MAX_PARTS", 500)),
            max_depth=int(getattr(settings, "DESTEK_MAIL_MAX_DEPTH", 10)),
            max_recipients=int(getattr(settings, "DESTEK_MAIL_MAX_RECIPIENTS", 100)),
            max_unpacked_bytes=max_bytes,
        )
    except (ImportError, TypeError, ValueError):
        return Limits()
