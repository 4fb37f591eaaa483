"""Writing emails into the outbox: the one place a row is created and its delivery enqueued.

Both doors use it: the Django email backend (allauth, send_mail) and the ticket subscribers.
The row is written inside the caller's transaction; only the Celery enqueue waits for the
commit. If that enqueue is lost (broker down, process killed right after the commit), the
periodic sweeper finds the pending row and delivers it, so no email is ever lost.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.generator import BytesGenerator
from email.message import Message
from email.utils import make_msgid, parseaddr
from io import BytesIO
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from destek.core.wakeup import Wakeup
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.tickets.models import Ticket

if TYPE_CHECKING:
    from destek.notifications.compose import Notice

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
    raw = _serialize(mime)
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


def outbox_email_create(*, message: EmailMessage, kind: str = "", ticket: Ticket | None = None,
                        idempotency_key: str = "") -> OutboundEmail:
    """Serialize `message` into a pending outbox row and deliver it after the commit.

    With an idempotency key, a second call for the same key returns the first row and
    writes nothing, even when two transactions race (the unique constraint decides).
    """
    now = timezone.now()
    row = OutboundEmail(status=OutboxStatus.PENDING, kind=kind[:40], ticket=ticket,
                        idempotency_key=idempotency_key[:200], next_attempt_at=now,
                        created_at=now, rendered_at=now, **serialized(message))
    return _insert(row)


def render_in_worker() -> bool:
    """DESTEK_RENDER_NOTIFICATIONS_IN_WORKER (default on): see outbox_notice_create."""
    return bool(getattr(settings, "DESTEK_RENDER_NOTIFICATIONS_IN_WORKER", True))


def outbox_notice_create(*, notice: Notice, idempotency_key: str) -> OutboundEmail:
    """A ticket notification into the outbox, in the caller's transaction.

    By default the row holds only what to say to whom (`payload`: template key and ids);
    the worker that first claims it renders and stores the email before sending
    (`render_pending`), so the request that caused it pays for one INSERT instead of
    composing an email. With DESTEK_RENDER_NOTIFICATIONS_IN_WORKER off it is composed here.
    """
    if not render_in_worker():
        from destek.notifications.compose import compose

        return outbox_email_create(message=compose(notice), kind=notice.key,
                                   ticket=notice.ticket, idempotency_key=idempotency_key)
    from destek.mail.outbound import notification_message_id
    from destek.notifications.compose import thread_id
    from destek.notifications.notices import notice_payload

    # The Message-ID is fixed now, so replies can be threaded by it from the moment the
    # email exists; rendering keeps it.
    if notice.is_thread_root:
        message_id = thread_id(notice.ticket)
    else:
        message_id = notification_message_id(
            ticket_id=notice.ticket.pk, recipient_id=notice.recipient.pk, is_thread_root=False,
        ) or new_message_id()
    now = timezone.now()
    row = OutboundEmail(
        status=OutboxStatus.PENDING, kind=notice.key[:40], ticket=notice.ticket,
        idempotency_key=idempotency_key[:200], message_id=message_id[:255],
        from_email=str(settings.DEFAULT_FROM_EMAIL)[:320],
        recipients=list(dict.fromkeys([notice.recipient.email, *notice.cc])),
        payload=notice_payload(notice), raw_message=b"", next_attempt_at=now, created_at=now,
    )
    return _insert(row)


def _insert(row: OutboundEmail) -> OutboundEmail:
    """INSERT the row and enqueue its delivery on commit; with an idempotency key already
    taken (the same event handled twice, or two racing transactions), the existing row."""
    if row.idempotency_key:
        if not _insert_unless_key_taken(row):
            existing = OutboundEmail.objects.filter(idempotency_key=row.idempotency_key).first()
            if existing is None:  # taken by a row this transaction's snapshot cannot see
                raise IntegrityError(f"outbox key {row.idempotency_key!r} is taken")
            return existing
    else:
        row.save(force_insert=True)
    enqueue_on_commit(row.pk)
    return row


def _insert_unless_key_taken(row: OutboundEmail) -> bool:
    """One `INSERT … ON CONFLICT DO NOTHING RETURNING id` (PostgreSQL, SQLite ≥ 3.35): a
    taken key writes nothing and aborts nothing, without the savepoint (two more round
    trips) that catching the IntegrityError would need. Sets row.pk; False when taken."""
    meta = OutboundEmail._meta
    fields = [f for f in meta.local_concrete_fields if not f.primary_key]
    manager: Any = OutboundEmail._base_manager  # _insert: the ORM's own INSERT (no stubs)
    returned = manager._insert(
        [row], fields=fields, returning_fields=[meta.pk], on_conflict=OnConflict.IGNORE,
    )
    if not returned or returned[0] is None:  # nothing came back: the key was taken
        return False
    row.pk = returned[0][0]
    row._state.adding = False
    row._state.db = OutboundEmail.objects.db
    return True


def rendered_fields(row: OutboundEmail, notice: Notice | None = None) -> dict[str, Any]:
    """Compose the notification a row holds (its payload, or `notice` already read from it)
    with the Message-ID the row was given when it was written: what `render_pending` stores."""
    from destek.notifications.compose import compose
    from destek.notifications.notices import notice_from_payload

    message = compose(notice if notice is not None else notice_from_payload(row.payload))
    if row.message_id:
        message.extra_headers = {k: v for k, v in message.extra_headers.items()
                                 if k.lower() != "message-id"}
        message.extra_headers["Message-ID"] = row.message_id
    return serialized(message)


def render_pending(row: OutboundEmail, *, claimed_at: datetime,
                   notice: Notice | None = None) -> OutboundEmail | None:
    """Compose a claimed notification row and store its bytes, before it is first sent.

    Idempotent: the UPDATE only fills a row still unrendered and still claimed by this
    attempt (`claimed_at`), so the bytes, Message-ID and Date are fixed once and every
    later attempt (a retry, a re-send after a crash) sends exactly them. Returns the row
    ready to send, or None when the claim was lost meanwhile (the sweeper gave the row to
    another worker). Raises NoticeGone (ticket or recipient deleted) and OutboxError.
    """
    if not row.needs_rendering:
        return row
    fields = rendered_fields(row, notice)
    done = OutboundEmail.objects.filter(
        pk=row.pk, rendered_at__isnull=True, status=OutboxStatus.SENDING, claimed_at=claimed_at,
    ).update(rendered_at=timezone.now(), **fields)
    if not done:
        current = OutboundEmail.objects.filter(pk=row.pk).first()
        if current is None or current.claimed_at != claimed_at or current.needs_rendering:
            return None
        return current
    for name, value in fields.items():
        setattr(row, name, value)
    return row


@dataclass
class _Waiting:
    """Outbox ids written by the current transaction, and the on-commit callback that sends
    them (the first one registered)."""

    ids: list[int] = field(default_factory=list)
    sender: Callable[[], None] | None = None


def _serialize(mime: Message) -> bytes:
    """CRLF bytes, headers folded only past RFC 5322's hard limit (998): a Message-ID folded
    onto a continuation line comes back from parsers (Python's too) with a leading space,
    and then no longer matches the In-Reply-To a client sends back."""
    buffer = BytesIO()
    folding = mime.policy.clone(max_line_length=998, linesep="\r\n")
    BytesGenerator(buffer, mangle_from_=False, policy=folding).flatten(mime)
    return buffer.getvalue()


def enqueue_on_commit(outbox_id: int) -> None:
    """Ask a worker to deliver the row once (and only if) the current transaction commits.

    Rows written by the same transaction (a new ticket's acknowledgement and its assignee's
    notice) share one task message: each row registers its own on-commit callback, and the
    first to run sends the ids of all of them (the others find none left). When that
    callback is no longer pending (it ran, or its transaction or savepoint was rolled back)
    the next row starts a new list. A row whose savepoint was rolled back may still travel
    with the others: delivering a row that does not exist is a no-op."""
    connection = transaction.get_connection()
    waiting: _Waiting | None = connection.__dict__.get("destek_outbox_waiting")
    if waiting is None or not any(callback is waiting.sender
                                  for _sids, callback, _robust in connection.run_on_commit):
        waiting = _Waiting()
        connection.__dict__["destek_outbox_waiting"] = waiting
    waiting.ids.append(outbox_id)
    batch = waiting

    def deliver_after_commit() -> None:
        ids = list(dict.fromkeys(batch.ids))
        batch.ids.clear()
        if not ids:
            return
        if DELIVERY_WAKEUP.coalescing():
            DELIVERY_WAKEUP.wake()  # a worker delivers every due row, these included
        else:
            enqueue_many(ids)

    if waiting.sender is None:
        waiting.sender = deliver_after_commit
    transaction.on_commit(deliver_after_commit, robust=True)


def _publish_delivery_wakeup() -> None:
    from destek.notifications.tasks import deliver_outbox_due

    deliver_outbox_due.delay()


# Under load, one delivery task per burst of committed rows rather than per transaction
# (destek.core.wakeup); DESTEK_OUTBOX_COALESCE forces it on or off.
DELIVERY_WAKEUP = Wakeup(key="destek:outbox:wake", publish=_publish_delivery_wakeup,
                         setting="DESTEK_OUTBOX_COALESCE")


def enqueue_many(outbox_ids: list[int]) -> None:
    """One delivery task for several rows (one `enqueue` when there is only one)."""
    if len(outbox_ids) == 1:
        enqueue(outbox_ids[0])
        return
    from destek.notifications.tasks import deliver_outbox_many

    try:
        deliver_outbox_many.delay(list(outbox_ids))
    except Exception:  # the rows are safe in the database; the sweeper retries them
        logger.warning("Could not enqueue delivery of outbound emails %s", outbox_ids,
                       exc_info=True)


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
