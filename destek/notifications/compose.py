"""Building one ticket notification: context, rendering in the recipient's language, headers.

Threading: every email about a ticket refers to one per-ticket thread id,
`<ticket-<pk>@<our domain>>`. The customer's "ticket opened" email *is* that message (its
Message-ID), and later emails carry it in In-Reply-To/References, so mail clients show one
conversation per ticket. When the ticket came in by email, the acknowledgement also answers
the customer's original message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.accounts.zones import user_zone
from destek.branding.brand import site_name
from destek.notifications.envelope import notification_envelope, subject_with_token, thread_id
from destek.notifications.rendering import email_language, render_notification
from destek.tickets.models import AuthorKind, Channel, Message, Ticket

AUTOMATIC_HEADERS = {
    # RFC 3834: this is machine-generated; vacation responders must not answer it.
    "Auto-Submitted": "auto-generated",
    # Exchange/Outlook's equivalent, for its out-of-office and read receipts.
    "X-Auto-Response-Suppress": "All",
}


def original_message_id(message: Message | None) -> str:
    """The customer's own Message-ID when the ticket arrived by email, else ''."""
    if message is None or message.channel != Channel.EMAIL:
        return ""
    external = message.external_id.strip()
    if "@" not in external or any(c in external for c in "\r\n "):
        return ""
    return external if external.startswith("<") else f"<{external}>"


@dataclass
class Notice:
    """What a subscriber decided: who gets which notification about which ticket."""

    key: str
    recipient: User
    ticket: Ticket
    url: str
    message: Message | None = None
    cc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    extra_context: dict[str, Any] = field(default_factory=dict)
    is_thread_root: bool = False  # the "ticket opened" email founds the thread


@dataclass
class AddressNotice:
    """A notification to a bare address, not to an account about a ticket (a chat
    transcript): the template, its language, and a context already reduced to JSON values,
    since what it says was decided by the change that caused it."""

    key: str
    to: list[str]
    language: str
    context: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    ticket: Ticket | None = None


def author_name(message: Message | None) -> str:
    if message is None:
        return ""
    author = message.author
    if message.author_kind == AuthorKind.CUSTOMER:
        return author.display_name if author else ""
    if message.author_kind == AuthorKind.SYSTEM or author is None:
        return _("Support team")
    # Agents are named, but their address stays private.
    return author.full_name or _("Support team")


def build_context(notice: Notice, language: str) -> dict[str, Any]:
    """Everything a template may use (listed in the EmailTemplate admin help text)."""
    ticket, message = notice.ticket, notice.message
    attachments = [a.original_name for a in message.attachments.all()] if message else []
    return {
        "recipient_name": notice.recipient.display_name,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "ticket_url": notice.url,
        "message_text": message.body_text if message else "",
        "author_name": author_name(message),
        "customer_name": ticket.customer.display_name,
        "customer_email": ticket.customer.email,
        "department": ticket.department.localized_name(language),
        "priority": str(ticket.get_priority_display()),
        "status": str(ticket.get_status_display()),
        "attachment_names": attachments,
        "site_name": site_name(),
        **notice.extra_context,
    }


def text_to_email_html(text: str) -> str:
    """A readable HTML part from the rendered text: escaped, links clickable, paragraphs."""
    body = linebreaks(urlize(text, autoescape=True), autoescape=False)
    # Every piece above is escaped (urlize with autoescape), so marking it safe is sound.
    return mark_safe(
        '<!DOCTYPE html><html><body style="font-family: sans-serif; font-size: 14px; '
        f'line-height: 1.5">{body}</body></html>'
    )


def _headers(notice: Notice) -> dict[str, str]:
    headers = {**AUTOMATIC_HEADERS, "X-Destek-Ticket": notice.ticket.reference}
    root = thread_id(notice.ticket)
    original = original_message_id(notice.message)
    if notice.is_thread_root:
        headers["Message-ID"] = root
        if original:
            headers["In-Reply-To"] = original
            headers["References"] = original
    else:
        headers["In-Reply-To"] = root
        headers["References"] = root
    return headers


def compose(notice: Notice) -> EmailMultiAlternatives:
    """The email for `notice`, rendered in the recipient's language, its dates in the
    recipient's time zone (`User.time_zone`, else TIME_ZONE)."""
    language = email_language(notice.recipient.language)
    with translation.override(language), timezone.override(user_zone(notice.recipient)):
        context = build_context(notice, language)
        rendered = render_notification(key=notice.key, language=language, context=context)
    # Addressed from the department's mailbox, with a signed reply address and signature.
    envelope = notification_envelope(ticket=notice.ticket, recipient=notice.recipient,
                                     fallback_reply_to=notice.reply_to,
                                     is_thread_root=notice.is_thread_root)
    body = f"{rendered.body.rstrip()}\n\n{envelope.signature}\n" if envelope.signature \
        else rendered.body
    email = EmailMultiAlternatives(
        subject=subject_with_token(rendered.subject, notice.ticket.reference), body=body,
        from_email=envelope.from_email, to=[notice.recipient.email], cc=notice.cc,
        reply_to=envelope.reply_to, headers={**envelope.headers, **_headers(notice)},
    )
    email.attach_alternative(text_to_email_html(body), "text/html")
    return email


def compose_address(notice: AddressNotice) -> EmailMultiAlternatives:
    """The email for an AddressNotice: the template in its language, sent from the default
    address (no ticket thread, no reply token)."""
    language = email_language(notice.language)
    with translation.override(language):
        rendered = render_notification(key=notice.key, language=language,
                                       context=notice.context)
    return EmailMultiAlternatives(subject=rendered.subject, body=rendered.body, to=notice.to,
                                  headers=dict(notice.headers))
