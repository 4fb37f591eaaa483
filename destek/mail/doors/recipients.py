"""Which mailbox a message was sent to, from envelope recipients (plus-addressing aware)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from destek.mail.models import Mailbox

# The SMTP door asks for every recipient of every message (at RCPT, again at DATA): a mailbox
# found active is remembered by the process for this long. A mailbox switched off meanwhile
# still takes mail that long (stored, as before the switch); a new one is found at once,
# because an address not found is never remembered (a 550 is a bounce for the sender).
REMEMBER_SECONDS = 60.0
_found: dict[str, tuple[Mailbox, float]] = {}


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
    base = base_address(address=address)
    known = known_mailbox(address=address)
    if known is not None:
        return known
    mailbox = (
        Mailbox.objects.filter(is_active=True, address__iexact=base).order_by("pk").first()
    )
    if mailbox is not None:
        _found[base] = (mailbox, time.monotonic() + REMEMBER_SECONDS)
    return mailbox


def known_mailbox(*, address: str) -> Mailbox | None:
    """The mailbox of `address` if this process found it active lately, without a query."""
    found = _found.get(base_address(address=address))
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def forget_mailboxes() -> None:
    """Changed mailboxes are looked up again (called when this process saves one)."""
    _found.clear()


def mailbox_for_recipients(*, recipients: Iterable[str]) -> Mailbox | None:
    """The first recipient's mailbox: a message to support@ and billing@ is stored once."""
    for address in recipients:
        mailbox = mailbox_for_address(address=address)
        if mailbox is not None:
            return mailbox
    return None
