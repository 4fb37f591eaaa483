"""Writing emails into the outbox: the one place a row is created and its delivery enqueued.

Both doors use it: the Django email backend (allauth, send_mail) and the ticket subscribers.
The row is written inside the caller's transaction; only the Celery enqueue waits for the
commit. If that enqueue is lost (broker down, process killed right after the commit), the
periodic sweeper finds the pending row and delivers it, so no email is ever lost.
"""

from __future__ import annotations

import copy
import logging
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.tickets.models import Ticket

logger = logging.getLogger(__name__)

# A row holds the whole MIME message; bigger attachments belong behind a link.
MAX_RAW_BYTES = 20 * 1024 * 1024


class OutboxError(Exception):
    """An email that cannot be written to the outbox (too large, no recipients)."""


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the domain we send from (no DNS lookup)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "destek.localhost"


def new_message_id() -> str:
    return make_msgid(domain=message_id_domain())


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


def outbox_email_create(*, message: EmailMessage, kind: str = "", ticket: Ticket | None = None,
                        idempotency_key: str = "") -> OutboundEmail:
    """Serialize `message` into a pending outbox row and deliver it after the commit.

    With an idempotency key, a second call for the same key returns the first row and
    writes nothing, even when two transactions race (the unique constraint decides).
    """
    if idempotency_key:
        existing = OutboundEmail.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
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
    # Django's SafeMIME classes take linesep (the stubs type message() as a plain Message).
    raw = mime.as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    if len(raw) > MAX_RAW_BYTES:
        raise OutboxError(_("The email is too large to send (%(size)d bytes).")
                          % {"size": len(raw)})
    text, html = _bodies(message)
    now = timezone.now()
    row = OutboundEmail(
        status=OutboxStatus.PENDING, kind=kind[:40], ticket=ticket,
        idempotency_key=idempotency_key[:200], message_id=message_id[:255],
        from_email=str(message.from_email)[:320], recipients=recipients,
        subject=str(message.subject), body_text=text, body_html=html,
        headers={name: str(value) for name, value in mime.items()},
        raw_message=raw, next_attempt_at=now, created_at=now,
    )
    if idempotency_key:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            existing = OutboundEmail.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return existing
    else:
        row.save(force_insert=True)
    enqueue_on_commit(row.pk)
    return row


def enqueue_on_commit(outbox_id: int) -> None:
    """Ask a worker to deliver the row once (and only if) the current transaction commits."""
    transaction.on_commit(lambda: enqueue(outbox_id), robust=True)


def enqueue(outbox_id: int) -> None:
    """Send the delivery task; a broker failure is logged, the sweeper delivers later."""
    from destek.notifications.tasks import deliver_outbox

    try:
        deliver_outbox.delay(outbox_id)
    except Exception:  # the row is safe in the database; the sweeper retries it
        logger.warning("Could not enqueue delivery of outbound email %s", outbox_id,
                       exc_info=True)


def outbox_retry(*, ids: list[int]) -> int:
    """Put failed (or waiting) rows back in line for an immediate attempt; returns the count."""
    now = timezone.now()
    with transaction.atomic():
        retry_ids = list(
            OutboundEmail.objects.filter(
                pk__in=ids, status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]
            ).values_list("pk", flat=True)
        )
        # The status condition is re-checked by the UPDATE itself: a row a worker claimed
        # in the meantime is left alone (its extra task is then a harmless no-op).
        OutboundEmail.objects.filter(
            pk__in=retry_ids, status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]
        ).update(
            status=OutboxStatus.PENDING, next_attempt_at=now, claimed_at=None
        )
        for pk in retry_ids:
            enqueue_on_commit(pk)
    return len(retry_ids)
