"""An email as the outbox stores it: the exact bytes that go on the wire, and copies of its
subject, bodies and headers for the admin."""

from __future__ import annotations

import copy
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from destek.notifications.envelope import new_message_id

# A row holds the whole MIME message; bigger attachments belong behind a link.
MAX_RAW_BYTES = 20 * 1024 * 1024


class OutboxError(Exception):
    """An email that cannot be written to the outbox (too large, no recipients)."""


def _header(message: EmailMessage, name: str) -> str | None:
    for key, value in message.extra_headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """(text, html) for the admin's view of the email."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        for alternative in message.alternatives:
            content, mimetype = alternative[0], alternative[1]
            if mimetype == "text/html" and isinstance(content, str):
                html = content
                break
    body = str(message.body or "")
    if message.content_subtype == "html":
        return strip_tags(body), body
    return body, html


def serialized(message: EmailMessage) -> dict[str, Any]:
    """The OutboundEmail fields of `message`: its wire bytes, and copies for the admin.

    Raises OutboxError for an email without recipients or one too large to send.
    """
    recipients = list(dict.fromkeys(message.recipients()))
    if not recipients:
        raise OutboxError(_("An email needs at least one recipient."))
    # Work on a copy: the Message-ID we add must not leak into the caller's object.
    message = copy.copy(message)
    message.extra_headers = dict(message.extra_headers)
    message_id = _header(message, "Message-ID")
    if not message_id:
        message_id = new_message_id()
        message.extra_headers["Message-ID"] = message_id
    mime = message.message()
    raw = wire_bytes(mime)
    if len(raw) > MAX_RAW_BYTES:
        raise OutboxError(_("The email is too large to send (%(size)d bytes).")
                          % {"size": len(raw)})
    text, html = _bodies(message)
    return {
        "message_id": message_id[:255], "from_email": str(message.from_email)[:320],
        "recipients": recipients, "subject": str(message.subject), "body_text": text,
        "body_html": html, "headers": {name: str(value) for name, value in mime.items()},
        "raw_message": raw,
    }


def wire_bytes(mime: Message) -> bytes:
    """CRLF bytes, headers folded only past RFC 5322's hard limit (998): a Message-ID folded
    onto a continuation line comes back from parsers (Python's too) with a leading space,
    and then no longer matches the In-Reply-To a client sends back."""
    buffer = BytesIO()
    folding = mime.policy.clone(max_line_length=998, linesep="\r\n")
    BytesGenerator(buffer, mangle_from_=False, policy=folding).flatten(mime)
    return buffer.getvalue()
