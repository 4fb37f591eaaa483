"""Which mailbox a message was sent to, from envelope recipients (plus-addressing aware)."""

from __future__ import annotations

from collections.abc import Iterable

from destek.mail.models import Mailbox


def base_address(*, address: str) -> str:
    """support+4711@example.com -> support@example.com, lower-cased for comparison."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower()
    local = local.split("+", 1)[0]
    return f"{local}@{domain}".lower()


def mailbox_for_address(*, address: str) -> Mailbox | None:
    """The active mailbox `address` (or one of its plus-addresses) belongs to."""
    return (
        Mailbox.objects.filter(is_active=True, address__iexact=base_address(address=address))
        .order_by("pk")
        .first()
    )


def mailbox_for_recipients(*, recipients: Iterable[str]) -> Mailbox | None:
    """The first recipient's mailbox: a message to support@ and billing@ is stored once."""
    for address in recipients:
        mailbox = mailbox_for_address(address=address)
        if mailbox is not None:
            return mailbox
    return None
