"""The email channel's side of outgoing mail: which mailbox a department sends from (for
destek.notifications.directory), and the one automatic answer to unknown senders.
Composing, threading and delivering ticket email belongs to destek.notifications."""

from __future__ import annotations

import hashlib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from destek.branding.brand import site_name
from destek.mail.models import AutoReplyKind, Mailbox
from destek.mail.parsing.types import ParsedEmail
from destek.mail.policies import auto_reply_capped, auto_reply_record
from destek.notifications.directory import SendingMailbox, bouncing_addresses
from destek.notifications.envelope import from_header, origin_headers
from destek.notifications.models import OutboundEmail
from destek.notifications.outbox import outbox_email_create
from destek.notifications.rendering import email_language


def sending_mailbox(department_id: int) -> SendingMailbox | None:
    """The department's active mailbox as outgoing email shows it (the lookup destek.wiring
    gives notifications.directory)."""
    return as_sending(Mailbox.objects.filter(department_id=department_id, is_active=True)
                      .order_by("pk").first())


def as_sending(mailbox: Mailbox | None) -> SendingMailbox | None:
    if mailbox is None:
        return None
    return SendingMailbox(address=mailbox.address, from_name=mailbox.from_name,
                          signature=mailbox.signature)


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
        "site_name": site_name(),
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
    email = EmailMessage(subject=subject[:250], body=body,
                         from_email=from_header(as_sending(mailbox)),
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


def send_test_email(*, mailbox: Mailbox, to: str, language: str) -> OutboundEmail:
    """"Send test email" in Settings: a short message from the mailbox to the admin, queued in
    the outbox and delivered by the worker as every email is (an OAuth2 mailbox's through its
    provider, destek.mail.oauth_smtp)."""
    with translation.override(email_language(language)):
        subject = _("Test email from %(address)s") % {"address": mailbox.address}
        body = _("This is a test email sent from Settings → Mailboxes. If you are reading it, "
                 "email from %(address)s reaches its recipients.") % {"address": mailbox.address}
        if mailbox.signature:
            body = f"{body}\n\n{mailbox.signature}\n"
    email = EmailMessage(subject=subject, body=body, from_email=from_header(as_sending(mailbox)),
                         to=[to], headers={"Auto-Submitted": "auto-generated",
                                           **origin_headers()})
    return outbox_email_create(message=email, kind="mailbox_test")
