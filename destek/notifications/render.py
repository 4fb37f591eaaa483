"""Rendering a stored notification, once, by the worker that first claims its row (ADR 0003)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.mail import EmailMessage
from django.utils import timezone

from destek.notifications.compose import Notice, compose, compose_address
from destek.notifications.mime import serialized
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.notices import (
    address_notice_from_payload,
    is_address_payload,
    notice_from_payload,
)


def _composed(row: OutboundEmail, notice: Notice | None) -> EmailMessage:
    if is_address_payload(row.payload):
        return compose_address(address_notice_from_payload(row.payload))
    return compose(notice if notice is not None else notice_from_payload(row.payload))


def rendered_fields(row: OutboundEmail, notice: Notice | None = None) -> dict[str, Any]:
    """Compose the notification a row holds (its payload, or `notice` already read from it)
    with the Message-ID the row was given when it was written: what `render_pending` stores."""
    message = _composed(row, notice)
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
