"""A parsed email's body and attachments in the shape the intake funnel takes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from destek.core.sanitize import html_to_text, sanitize_html
from destek.mail import policies
from destek.mail.parsing.types import ParsedAttachment, ParsedEmail
from destek.tickets.models import Attachment, Message
from destek.tickets.uploads import InboundFile


@dataclass(frozen=True)
class Content:
    body_text: str
    body_html: str
    quoted_text: str
    files: tuple[InboundFile, ...]
    content_ids: tuple[str, ...]  # parallel to files: the cid of an inline image, else ""


def _accepted(parsed: ParsedEmail) -> tuple[list[ParsedAttachment], list[str]]:
    """The attachments the funnel will take, and notes about the ones it refuses."""
    verdicts = policies.attachment_verdicts(parsed)
    return [v.attachment for v in verdicts if v.kept], [v.note for v in verdicts if v.note]


def content_for(parsed: ParsedEmail, *, fallback: str) -> Content:
    kept, notes = _accepted(parsed)
    text = parsed.text.strip()
    # The HTML part as sent includes the quoted history; use it only when nothing was cut,
    # so inline images survive in new messages while replies show just the new text.
    html = parsed.html if parsed.html.strip() and not parsed.quoted_text.strip() else ""
    if not text and not html_to_text(sanitize_html(html)).strip():
        # Nothing to read: a screenshot or a scanned fax (the image is the content, say so),
        # or HTML with no text left once sanitized (say what the mail was, never "empty").
        images = any(a.content_type.startswith("image/") for a in kept)
        line = _("(image)") if images else fallback
        text = line
        html = f"{html}<p>{_escape(line)}</p>" if html.strip() and images else ""
    if notes:
        note = "\n".join(f"[{n}]" for n in notes)
        text = f"{text}\n\n{note}".strip()
        if html:
            html = f"{html}<p>{'<br>'.join(_escape(n) for n in notes)}</p>"
    quoted = parsed.quoted_text.strip()
    if parsed.signature.strip():
        quoted = f"{quoted}\n\n-- \n{parsed.signature.strip()}".strip()
    files = tuple(InboundFile(name=a.filename, content=a.content, content_type=a.content_type)
                  for a in kept)
    content_ids = tuple(a.content_id if a.inline or a.content_id else "" for a in kept)
    return Content(body_text=text, body_html=html, quoted_text=quoted, files=files,
                   content_ids=content_ids)


def _escape(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


def rewrite_inline_images(*, message: Message, content: Content,
                          attachments: list[Attachment]) -> None:
    """`<img src="cid:logo@x">` → the stored attachment's download URL."""
    if "cid:" not in message.body_html or not attachments:
        return
    urls = {}
    for content_id, attachment in zip(content.content_ids, attachments, strict=False):
        if content_id and attachment.pk:
            urls[content_id.strip("<>").lower()] = reverse("portal:attachment",
                                                           args=[attachment.pk])
    if not urls:
        return

    def replace(match: re.Match[str]) -> str:
        return urls.get(match.group(1).lower(), match.group(0))

    body = re.sub(r"cid:([^\"'\s>]+)", replace, message.body_html)
    if body != message.body_html:
        message.body_html = body
        Message.objects.filter(pk=message.pk).update(body_html=body)
