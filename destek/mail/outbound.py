"""The email channel's side of outgoing mail: which mailbox a ticket's email comes from, the
signed reply address, our origin header, and the one automatic answer to unknown senders."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation

from destek.accounts.models import User
from destek.mail.models import AutoReplyKind, Mailbox
from destek.mail.parsing.types import ParsedEmail
from destek.mail.policies import auto_reply_capped, auto_reply_record, bouncing_addresses
from destek.mail.threading import ORIGIN_HEADER, instance_id
from destek.mail.tokens import address_with_token, make_token
from destek.notifications.models import OutboundEmail
from destek.notifications.outbox import message_id_domain, outbox_email_create
from destek.notifications.rendering import email_language
from destek.tickets.models import Ticket

_department_mailboxes: ContextVar[dict[int, Mailbox | None] | None] = ContextVar(
    "department_mailboxes", default=None)


@contextmanager
def department_mailboxes_cached() -> Iterator[None]:
    """Within a batch of inbound mail, look each department's mailbox up once."""
    token = _department_mailboxes.set({})
    try:
        yield
    finally:
        _department_mailboxes.reset(token)


def mailbox_for_department(department_id: int | None) -> Mailbox | None:
    if department_id is None:
        return None
    cache = _department_mailboxes.get()
    if cache is not None and department_id in cache:
        return cache[department_id]
    mailbox = (Mailbox.objects.filter(department_id=department_id, is_active=True)
               .order_by("pk").first())
    if cache is not None:
        cache[department_id] = mailbox
    return mailbox


def from_header(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return str(settings.DEFAULT_FROM_EMAIL)
    default_name = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[0]
    return formataddr((mailbox.from_name or default_name, mailbox.address))


def reply_address(*, mailbox: Mailbox | None, fallback: str, ticket_id: int,
                  user_id: int) -> str:
    """Where replies go: the mailbox's address with the recipient's signed token."""
    base = mailbox.address if mailbox else (fallback or parseaddr(
        str(settings.DEFAULT_FROM_EMAIL))[1])
    if not base:
        return ""
    if not getattr(settings, "DESTEK_MAIL_REPLY_TOKENS", True):
        return base
    return address_with_token(base, make_token(ticket_id=ticket_id, user_id=user_id))


def subject_with_token(subject: str, reference: str) -> str:
    """Make sure the subject carries `[#T-100042]`, whatever an edited template says."""
    token = f"[#{reference}]"
    if token in subject:
        return subject
    if f"[{reference}]" in subject:
        return subject.replace(f"[{reference}]", token, 1)
    return f"{subject} {token}".strip()


def origin_headers() -> dict[str, str]:
    return {ORIGIN_HEADER: instance_id()}


def send_rejection(*, parsed: ParsedEmail, mailbox: Mailbox | None, language: str) -> bool:
    """The polite answer to an unknown sender: once a day per address at most, never to a
    bouncing address, never past the automatic-reply cap. True when an email was written."""
    address = parsed.from_address
    if bouncing_addresses([address]) or auto_reply_capped(address=address):
        return False
    today = timezone.localdate().isoformat()
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    key = f"mail-reject-{digest}-{today}"
    if OutboundEmail.objects.filter(idempotency_key=key).exists():
        return False  # already answered today
    context = {
        "subject": parsed.subject or "",
        "mailbox": mailbox.address if mailbox else parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        "sender": address,
        "portal_url": f"{settings.BASE_URL.rstrip('/')}{reverse('portal:ticket_new')}",
        "site_name": getattr(settings, "DESTEK_SITE_NAME", "Destek"),
    }
    subject, body = _render_reply("sender_rejected", language=language, context=context)
    headers = {
        # RFC 3834: an automatic answer to a message, not to be answered in turn.
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        **origin_headers(),
    }
    if parsed.message_id:
        headers["In-Reply-To"] = f"<{parsed.message_id}>"
        headers["References"] = f"<{parsed.message_id}>"
    email = EmailMessage(subject=subject[:250], body=body, from_email=from_header(mailbox),
                         to=[address], headers=headers)
    outbox_email_create(message=email, kind="mail_rejected", idempotency_key=key)
    auto_reply_record(address=address, kind=AutoReplyKind.REJECTION)
    return True


def _render_reply(name: str, *, language: str, context: dict[str, str]) -> tuple[str, str]:
    """Subject and body of a shipped automatic reply, in the sender's language: one file per
    language, mail/<name>.<en|tr>[.subject].txt, like the notification emails. Plain text,
    so no HTML escaping."""
    language = email_language(language)
    engine = Engine.get_default()
    with translation.override(language):
        subject = engine.get_template(f"mail/{name}.{language}.subject.txt").render(
            Context(context, autoescape=False))
        body = engine.get_template(f"mail/{name}.{language}.txt").render(
            Context(context, autoescape=False))
    return " ".join(subject.split()), body.strip() + "\n"


@dataclass(frozen=True)
class Envelope:
    """How a ticket email is addressed: the department's mailbox, the recipient's signed reply
    address, our origin header, and the mailbox's signature for customers."""

    from_email: str
    reply_to: list[str]
    headers: dict[str, str]
    signature: str


def notification_message_id(*, ticket_id: int, recipient_id: int, is_thread_root: bool) -> str:
    """The Message-ID of a ticket notification, or "" when the default one will do (the
    thread root's is the ticket's thread id; without reply tokens, any unique id).

    The outbox fixes it when the notification is written, before it is rendered, so a
    reply can be threaded by it as soon as the email exists."""
    if is_thread_root or not getattr(settings, "DESTEK_MAIL_REPLY_TOKENS", True):
        return ""
    # Replies quote this id in In-Reply-To: the token survives clients that drop Reply-To.
    token = make_token(ticket_id=ticket_id, user_id=recipient_id)
    return f"<{token}.{uuid.uuid4().hex[:16]}@{message_id_domain()}>"


def notification_envelope(*, ticket: Ticket, recipient: User, fallback_reply_to: list[str],
                          is_thread_root: bool) -> Envelope:
    mailbox = mailbox_for_department(ticket.department_id)
    fallback = fallback_reply_to[0] if fallback_reply_to else ""
    reply_to = reply_address(mailbox=mailbox, fallback=fallback, ticket_id=ticket.pk,
                             user_id=recipient.pk)
    headers = origin_headers()
    message_id = notification_message_id(ticket_id=ticket.pk, recipient_id=recipient.pk,
                                         is_thread_root=is_thread_root)
    if message_id:
        headers["Message-ID"] = message_id
    signature = mailbox.signature.strip() if mailbox and not recipient.is_agent else ""
    return Envelope(from_email=from_header(mailbox), reply_to=[reply_to] if reply_to else [],
                    headers=headers, signature=signature)
