"""Delivering outbox rows: claim, send, mark; retry with backoff; recover from crashes.

Guarantees and the one trade-off
--------------------------------
* Never lost: the row commits with the change. The on-commit task may be lost (broker down,
  process killed between commit and enqueue); the sweeper then finds the row still pending.
* Never sent twice by two workers: a worker must *claim* a row first, with one conditional
  UPDATE (pending and due → sending). The database lets exactly one UPDATE win, on
  PostgreSQL and SQLite alike, and no row lock is held while talking to the mail server.
  A duplicate task message (Celery's at-least-once delivery, acks_late) finds the row no
  longer pending and does nothing.
* The trade-off, at-least-once: a worker can die after the mail server accepted the message
  but before the row is marked sent. That row stays `sending`; after STUCK_AFTER the sweeper
  puts it back in line and it is sent again. Exactly-once is impossible across two systems
  without a shared transaction, and losing a customer's email is worse than a duplicate.
  The duplicate is harmless to the reader: it is the very same bytes with the same
  Message-ID (serialized once, when the row was written), and mail stores and clients
  (Gmail, Outlook, Thunderbird, Apple Mail) collapse messages with one Message-ID into one
  entry in the conversation. The file transport overwrites `<id>.eml`, so it is exact.
* Every attempt counts (attempts is incremented when claiming), so a message that kills
  its worker every time still ends `failed` after DESTEK_OUTBOX_MAX_ATTEMPTS instead of
  looping forever. Failures keep their error in `last_error`, visible in the admin.
* Ticket notifications arrive unrendered (a payload of ids). The first attempt renders and
  stores the bytes *before* talking to the mail server, under its claim, and every later
  attempt sends the stored bytes: the same Message-ID and Date whatever happens after the
  rendering. A notice whose ticket or recipient was deleted fails at once.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from destek.branding.brand import read_once as brand_read_once
from destek.notifications.compose import Notice
from destek.notifications.directory import department_mailboxes_cached, transport_for_sender
from destek.notifications.mime import OutboxError
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.notices import NoticeGone, is_address_payload, notices_from_payloads
from destek.notifications.render import render_pending
from destek.notifications.transports import (
    PartiallyRefused,
    Transport,
    current_transport,
    transport_session,
)

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)
# Fresh rows get their own on-commit task; the sweeper only steps in when that is late.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500
WAKEUP_BATCH = 50  # rows per woken delivery task (outbox.DELIVERY_WAKEUP)
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 60 * 60
MAX_ERROR_CHARS = 2000
# Web and worker nodes' clocks differ by a little: a fresh row must not look "not yet due"
# to a worker whose clock is behind. Far below the shortest backoff.
CLOCK_TOLERANCE = timedelta(seconds=5)
PURGE_BATCH = 1000


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # not pending, not due, or gone: another run owns or finished it
    RETRY = "retry"
    FAILED = "failed"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def max_attempts() -> int:
    return max(int(settings.DESTEK_OUTBOX_MAX_ATTEMPTS), 1)


def claim(outbox_id: int) -> tuple[OutboundEmail, datetime] | None:
    """Take the row for this worker, or None when it is not pending and due."""
    rows, claimed_at = claim_many([outbox_id])
    return (rows[0], claimed_at) if rows else None


def claim_many(outbox_ids: list[int]) -> tuple[list[OutboundEmail], datetime]:
    """`claim` for several rows: the rows this worker took (pending and due; the others are
    sent, failed, not due or another worker's), in id order.

    One conditional UPDATE decides (the database lets one worker's UPDATE win a row, on
    PostgreSQL and SQLite alike); its claim time identifies this attempt, as render_pending
    and the marking of failures already rely on, so the rows won are read back by it."""
    claimed_at = timezone.now()
    if not outbox_ids:
        return [], claimed_at
    won = OutboundEmail.objects.filter(
        pk__in=outbox_ids, status=OutboxStatus.PENDING,
        next_attempt_at__lte=claimed_at + CLOCK_TOLERANCE,
    ).update(status=OutboxStatus.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    if not won:
        return [], claimed_at
    return list(OutboundEmail.objects.filter(pk__in=outbox_ids, status=OutboxStatus.SENDING,
                                             claimed_at=claimed_at).order_by("pk")), claimed_at


def deliver_many(outbox_ids: list[int]) -> list[Outcome]:
    """Send the rows one transaction wrote, in id order: claimed together, their notices read
    together and each department's mailbox once, then each rendered, sent and marked as
    `deliver` does (a failure is that row's alone). Safe to call any number of times."""
    ids = list(dict.fromkeys(int(i) for i in outbox_ids))
    rows, claimed_at = claim_many(ids)
    unrendered = [row for row in rows
                  if row.needs_rendering and not is_address_payload(row.payload)]
    notices = dict(zip([row.pk for row in unrendered],
                       notices_from_payloads([row.payload for row in unrendered]),
                       strict=True))
    outcomes = {}
    with department_mailboxes_cached(), brand_read_once(), \
            transport_session(current_transport()) as sender:
        for row in rows:
            notice = notices.get(row.pk)
            if isinstance(notice, NoticeGone):
                outcomes[row.pk] = _mark_failed(row, claimed_at, notice, permanent=True)
            else:
                outcomes[row.pk] = _send_claimed(row, claimed_at, notice, sender=sender)
    return [outcomes.get(i, Outcome.SKIPPED) for i in ids]


def deliver(outbox_id: int) -> Outcome:
    """Send one row if it is ours to send; safe to call any number of times."""
    claimed = claim(outbox_id)
    if claimed is None:
        return Outcome.SKIPPED
    row, claimed_at = claimed
    with brand_read_once(), department_mailboxes_cached():  # one read of each, as a batch
        return _send_claimed(row, claimed_at)


def _send_claimed(row: OutboundEmail, claimed_at: datetime, notice: Notice | None = None,
                  *, sender: Transport | None = None) -> Outcome:
    if row.needs_rendering:
        try:
            rendered = render_pending(row, claimed_at=claimed_at, notice=notice)
        except (NoticeGone, OutboxError) as exc:  # nothing that could ever be sent
            return _mark_failed(row, claimed_at, exc, permanent=True)
        except Exception as exc:  # a database hiccup, a broken template…: retried
            return _mark_failed(row, claimed_at, exc)
        if rendered is None:
            return Outcome.SKIPPED  # the sweeper gave the row to another attempt meanwhile
        row = rendered
    try:
        # An OAuth2 mailbox's mail leaves through its provider (XOAUTH2), the rest through
        # the relay; a failed token refresh or sign-in is retried like any other failure.
        own = transport_for_sender(row.from_email)
        (own or sender or current_transport()).send(
            outbox_id=row.pk, from_email=row.from_email, recipients=list(row.recipients),
            raw=row.raw_bytes)
    except PartiallyRefused as exc:
        _mark_sent(row.pk, warning=str(exc))
        logger.warning("Outbound email %s: %s", row.pk, exc)
        return Outcome.SENT
    except Exception as exc:  # any transport failure is recorded and retried
        return _mark_failed(row, claimed_at, exc)
    _mark_sent(row.pk)
    return Outcome.SENT


def _mark_sent(outbox_id: int, warning: str = "") -> None:
    # Whatever happened meanwhile (a sweeper reviving a slow send), the mail went out:
    # marking it sent stops a second copy.
    OutboundEmail.objects.filter(pk=outbox_id).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=warning[:MAX_ERROR_CHARS]
    )


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer will not change on retry (unknown mailbox, rejected sender)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # credentials get fixed by an admin; keep retrying meanwhile
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


def _mark_failed(row: OutboundEmail, claimed_at: datetime, exc: Exception, *,
                 permanent: bool = False) -> Outcome:
    now = timezone.now()
    give_up = permanent or is_permanent(exc) or row.attempts >= max_attempts()
    fields: dict[str, object] = {"last_error": describe(exc)}
    if give_up:
        fields["status"] = OutboxStatus.FAILED
    else:
        fields["status"] = OutboxStatus.PENDING
        fields["next_attempt_at"] = now + backoff(row.attempts)
    OutboundEmail.objects.filter(
        pk=row.pk, status=OutboxStatus.SENDING, claimed_at=claimed_at
    ).update(**fields)
    logger.warning("Outbound email %s attempt %s failed (%s): %s", row.pk, row.attempts,
                   "giving up" if give_up else "will retry", describe(exc))
    return Outcome.FAILED if give_up else Outcome.RETRY


def due_ids(*, limit: int) -> list[int]:
    """The oldest pending rows due now (a range scan on outbox_sweep), for a woken worker."""
    return list(
        OutboundEmail.objects.filter(status=OutboxStatus.PENDING,
                                     next_attempt_at__lte=timezone.now() + CLOCK_TOLERANCE)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )


def sweep() -> list[int]:
    """Revive rows stuck in `sending`, and return the ids of every row due for delivery."""
    now = timezone.now()
    cutoff = now - STUCK_AFTER
    stuck = OutboundEmail.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=cutoff)
    stuck.filter(attempts__gte=max_attempts()).update(
        status=OutboxStatus.FAILED,
        last_error="Delivery was interrupted (worker lost) on the last allowed attempt.",
    )
    revived = list(stuck.order_by("claimed_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    if revived:
        OutboundEmail.objects.filter(
            pk__in=revived, status=OutboxStatus.SENDING, claimed_at__lt=cutoff
        ).update(status=OutboxStatus.PENDING, next_attempt_at=now,
                 last_error="Delivery was interrupted (worker lost); sending again.")
    due = list(
        OutboundEmail.objects.filter(status=OutboxStatus.PENDING,
                                     next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return list(dict.fromkeys([*revived, *due]))


def retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "DESTEK_OUTBOX_RETENTION_DAYS", 90)))


def purge_sent() -> int:
    """Delete a bounded batch of sent rows older than the retention period.

    The ticket's messages are the record of the conversation; the outbox is transport, and
    its MIME bytes would otherwise grow without bound. Failed rows stay until an admin acts.
    `next_attempt_at` (never after `sent_at`) is the age filter because it is indexed.
    """
    cutoff = timezone.now() - retention()
    ids = list(
        OutboundEmail.objects.filter(status=OutboxStatus.SENT, next_attempt_at__lt=cutoff)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:PURGE_BATCH]
    )
    if not ids:
        return 0
    deleted, _per_model = OutboundEmail.objects.filter(pk__in=ids).delete()
    return deleted
