"""Writing emails into the outbox: the one place a row is created and its delivery enqueued.

Both doors use it: the Django email backend (allauth, send_mail) and the notifications
(destek.notifications.notify). The row is written inside the caller's transaction; only the
Celery enqueue waits for the commit. If that enqueue is lost (broker down, process killed
right after the commit), the periodic sweeper finds the pending row and delivers it, so no
email is ever lost.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from destek.core.compat import pending_on_commit_callbacks
from destek.notifications.compose import AddressNotice, Notice, compose, compose_address
from destek.notifications.envelope import new_message_id, notification_message_id, thread_id
from destek.notifications.mime import serialized
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.notices import address_notice_payload, notice_payload
from destek.notifications.tasks import DELIVERY_WAKEUP, enqueue_many
from destek.tickets.models import Ticket


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
    (destek.notifications.render), so the request that caused it pays for one INSERT
    instead of composing an email. With DESTEK_RENDER_NOTIFICATIONS_IN_WORKER off it is
    composed here.
    """
    if not render_in_worker():
        return outbox_email_create(message=compose(notice), kind=notice.key,
                                   ticket=notice.ticket, idempotency_key=idempotency_key)
    # The Message-ID is fixed now, so replies can be threaded by it from the moment the
    # email exists; rendering keeps it.
    if notice.is_thread_root:
        message_id = thread_id(notice.ticket)
    else:
        message_id = notification_message_id(
            ticket_id=notice.ticket.pk, recipient_id=notice.recipient.pk, is_thread_root=False,
        ) or new_message_id()
    return _insert(_unrendered(
        kind=notice.key, ticket=notice.ticket, idempotency_key=idempotency_key,
        message_id=message_id, recipients=[notice.recipient.email, *notice.cc],
        payload=notice_payload(notice)))


def outbox_address_notice_create(*, notice: AddressNotice, kind: str,
                                 idempotency_key: str) -> OutboundEmail:
    """An AddressNotice into the outbox, rendered by the worker like a ticket notification
    (or here, with DESTEK_RENDER_NOTIFICATIONS_IN_WORKER off)."""
    if not render_in_worker():
        return outbox_email_create(message=compose_address(notice), kind=kind,
                                   ticket=notice.ticket, idempotency_key=idempotency_key)
    return _insert(_unrendered(
        kind=kind, ticket=notice.ticket, idempotency_key=idempotency_key,
        message_id=new_message_id(), recipients=notice.to,
        payload=address_notice_payload(notice)))


def _unrendered(*, kind: str, ticket: Ticket | None, idempotency_key: str, message_id: str,
                recipients: list[str], payload: dict[str, object]) -> OutboundEmail:
    now = timezone.now()
    return OutboundEmail(
        status=OutboxStatus.PENDING, kind=kind[:40], ticket=ticket,
        idempotency_key=idempotency_key[:200], message_id=message_id[:255],
        from_email=str(settings.DEFAULT_FROM_EMAIL)[:320],
        recipients=list(dict.fromkeys(recipients)), payload=payload, raw_message=b"",
        next_attempt_at=now, created_at=now,
    )


def _insert(row: OutboundEmail) -> OutboundEmail:
    """INSERT the row and enqueue its delivery on commit; with an idempotency key already
    taken (the same event handled twice, or two racing transactions), the existing row.

    The savepoint lets a taken key fail its INSERT without aborting the caller's
    transaction (bench/README: `INSERT … ON CONFLICT` had saved round trips, far below the
    20 % of an operation's CPU that would justify a hand-written statement)."""
    if row.idempotency_key:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            existing = OutboundEmail.objects.filter(idempotency_key=row.idempotency_key).first()
            if existing is None:  # another constraint, or a row our snapshot cannot see
                raise
            return existing
    else:
        row.save(force_insert=True)
    enqueue_on_commit(row.pk)
    return row


class _Batch:
    """The outbox ids the current transaction wrote, delivered by the first of their
    on-commit callbacks to run (the others find the list empty)."""

    def __init__(self) -> None:
        self.ids: list[int] = []


class _DeliverAfterCommit:
    """One row's on-commit callback: asks for the delivery of its whole batch."""

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch

    def __call__(self) -> None:
        ids = list(dict.fromkeys(self.batch.ids))
        self.batch.ids.clear()
        if not ids:
            return
        if DELIVERY_WAKEUP.coalescing():
            DELIVERY_WAKEUP.wake()  # a worker delivers every due row, these included
        else:
            enqueue_many(ids)


def enqueue_on_commit(outbox_id: int) -> None:
    """Ask a worker to deliver the row once (and only if) the current transaction commits.

    Rows written by the same transaction (a new ticket's acknowledgement and its assignee's
    notice) share one task message: each row registers its own on-commit callback, and the
    first to run sends the ids of all of them (the others find none left). A row joins the
    batch of a callback still pending; when none is (they ran, or their transaction or
    savepoint was rolled back) it starts a new batch. A row whose savepoint was rolled back
    may still travel with the others: delivering a row that does not exist is a no-op."""
    batch = next((callback.batch for callback in pending_on_commit_callbacks()
                  if isinstance(callback, _DeliverAfterCommit)), None) or _Batch()
    batch.ids.append(outbox_id)
    transaction.on_commit(_DeliverAfterCommit(batch), robust=True)


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


DELIVERY_CHUNK = 50  # rows per delivery task of a bulk write (outbox_address_notices_create_many)


def outbox_address_notices_create_many(*, notices: list[tuple[AddressNotice, str]],
                                       kind: str) -> list[int]:
    """Many AddressNotices (each with its idempotency key) into the outbox in one INSERT,
    in the caller's transaction; the ids of the rows with those keys still waiting are
    delivered after the commit, DELIVERY_CHUNK to a task (or by the coalesced wake-up).

    A key already taken writes nothing (ON CONFLICT DO NOTHING on PostgreSQL, INSERT OR
    IGNORE on SQLite): a batch written again after a crash, or by two racing tasks, adds
    no row. Returns the ids of the rows with these keys that are pending."""
    if not notices:
        return []
    if render_in_worker():
        rows = [_unrendered(kind=kind, ticket=None, idempotency_key=key,
                            message_id=new_message_id(), recipients=notice.to,
                            payload=address_notice_payload(notice))
                for notice, key in notices]
    else:
        now = timezone.now()
        rows = [OutboundEmail(status=OutboxStatus.PENDING, kind=kind[:40],
                              idempotency_key=key[:200], next_attempt_at=now, created_at=now,
                              rendered_at=now, **serialized(compose_address(notice)))
                for notice, key in notices]
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(OutboundEmail.objects.filter(
        idempotency_key__in=[key[:200] for _notice, key in notices],
        status=OutboxStatus.PENDING).order_by("pk").values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: _deliver_chunks(ids), robust=True)
    return ids


def _deliver_chunks(ids: list[int]) -> None:
    if DELIVERY_WAKEUP.coalescing():
        DELIVERY_WAKEUP.wake()
        return
    for start in range(0, len(ids), DELIVERY_CHUNK):
        enqueue_many(ids[start:start + DELIVERY_CHUNK])
