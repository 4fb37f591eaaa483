"""The one way to queue a notification: drop what must not be sent (addresses that bounce),
then write the outbox row the delivery worker renders (ADR 0003). Ticket subscribers, SLA
alerts and chat transcripts all come through here."""

from __future__ import annotations

from destek.notifications.compose import AddressNotice, Notice
from destek.notifications.directory import bouncing_addresses
from destek.notifications.models import OutboundEmail
from destek.notifications.outbox import outbox_address_notice_create, outbox_notice_create


def notify(*, notice: Notice, idempotency_key: str) -> OutboundEmail | None:
    """Queue `notice`; None when its recipient's address bounces (its CCs that bounce are
    dropped). Addresses that bounced stay skipped until an admin clears them."""
    bouncing = bouncing_addresses([notice.recipient.email, *notice.cc])
    if bouncing:
        if notice.recipient.email.lower() in bouncing:
            return None
        notice.cc = [a for a in notice.cc if a.lower() not in bouncing]
    return outbox_notice_create(notice=notice, idempotency_key=idempotency_key)


def notify_address(*, notice: AddressNotice, kind: str,
                   idempotency_key: str) -> OutboundEmail | None:
    """Queue a notification to bare addresses; None when every one of them bounces."""
    bouncing = bouncing_addresses(notice.to)
    if bouncing:
        notice.to = [a for a in notice.to if a.lower() not in bouncing]
        if not notice.to:
            return None
    return outbox_address_notice_create(notice=notice, kind=kind,
                                        idempotency_key=idempotency_key)
