"""The one way to queue a notification: drop what must not be sent (customers who turned
ticket emails off, addresses that bounce), then write the outbox row the delivery worker
renders (ADR 0003). Ticket subscribers, SLA alerts and chat transcripts all come through
here."""

from __future__ import annotations

from destek.accounts.models import User
from destek.notifications.compose import AddressNotice, Notice
from destek.notifications.directory import bouncing_addresses
from destek.notifications.models import OutboundEmail
from destek.notifications.outbox import (
    outbox_address_notice_create,
    outbox_address_notices_create_many,
    outbox_notice_create,
)


def wants_ticket_email(recipient: User) -> bool:
    """Whether a customer asked for email about their tickets (`User.email_notifications`,
    their profile's choice; the portal always shows the updates). Staff alerts are not theirs
    to turn off here, and security emails (password reset, address confirmation, data
    export links) never come through `notify`."""
    return recipient.email_notifications or not recipient.is_customer


def notify(*, notice: Notice, idempotency_key: str) -> OutboundEmail | None:
    """Queue `notice`; None when its recipient turned ticket emails off (the CCs riding on
    the customer's email go with it), or when the recipient's address bounces (its CCs that
    bounce are dropped). Addresses that bounced stay skipped until an admin clears them."""
    if not wants_ticket_email(notice.recipient):
        return None
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


def notify_address_many(*, notices: list[tuple[AddressNotice, str]], kind: str) -> list[int]:
    """`notify_address` for many notices at once (each with its idempotency key): one
    lookup of the bouncing addresses, one INSERT (destek.notifications.outbox). Returns the
    ids of the rows waiting for delivery."""
    addresses = [address for notice, _key in notices for address in notice.to]
    bouncing = bouncing_addresses(addresses) if addresses else set()
    kept = []
    for notice, key in notices:
        if bouncing:
            notice.to = [a for a in notice.to if a.lower() not in bouncing]
        if notice.to:
            kept.append((notice, key))
    return outbox_address_notices_create_many(notices=kept, kind=kind)
