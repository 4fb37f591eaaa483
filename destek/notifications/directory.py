"""What notifications must know about addresses, answered by the email channel.

The data lives in destek.mail's models (a department's mailbox, the addresses whose mail
bounces, the mailboxes signed in with OAuth2 whose mail leaves through their provider's
SMTP), and notifications may not import mail (mail is the higher layer: it threads replies
to the Message-IDs notifications wrote). So the composition root (destek.wiring) plugs
mail's lookups in here at start-up; until then no department has a mailbox, no address
bounces and every email leaves through the relay (DESTEK_EMAIL_URL).

Within a batch (a delivery run, a batch of inbound mail) `department_mailboxes_cached`
looks each department's mailbox, and each sender's own transport, up once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parseaddr

from destek.notifications.transports import Transport


@dataclass(frozen=True)
class SendingMailbox:
    """The parts of a department's mailbox an outgoing email shows."""

    address: str
    from_name: str
    signature: str


MailboxLookup = Callable[[int], "SendingMailbox | None"]
BounceLookup = Callable[[list[str]], set[str]]
# The transport a sender's address must send through instead of the relay (an OAuth2
# mailbox's provider), or None for the relay.
SenderLookup = Callable[[str], "Transport | None"]


def _no_mailbox(_department_id: int) -> SendingMailbox | None:
    return None


def _nothing_bounces(_addresses: list[str]) -> set[str]:
    return set()


def _relay_for_all(_address: str) -> Transport | None:
    return None


@dataclass
class _Directory:
    mailbox_for_department: MailboxLookup = _no_mailbox
    bouncing_addresses: BounceLookup = _nothing_bounces
    transport_for_sender: SenderLookup = _relay_for_all


_directory = _Directory()
_department_mailboxes: ContextVar[dict[int, SendingMailbox | None] | None] = ContextVar(
    "department_mailboxes", default=None)
_sender_transports: ContextVar[dict[str, Transport | None] | None] = ContextVar(
    "sender_transports", default=None)


def connect(*, mailbox_for_department: MailboxLookup, bouncing_addresses: BounceLookup,
            transport_for_sender: SenderLookup = _relay_for_all) -> None:
    """Called once by destek.wiring."""
    _directory.mailbox_for_department = mailbox_for_department
    _directory.bouncing_addresses = bouncing_addresses
    _directory.transport_for_sender = transport_for_sender


@contextmanager
def department_mailboxes_cached() -> Iterator[None]:
    """Within a batch, look each department's mailbox (and each sender's transport) up
    once."""
    token = _department_mailboxes.set({})
    senders = _sender_transports.set({})
    try:
        yield
    finally:
        _sender_transports.reset(senders)
        _department_mailboxes.reset(token)


def mailbox_for_department(department_id: int | None) -> SendingMailbox | None:
    if department_id is None:
        return None
    cache = _department_mailboxes.get()
    if cache is not None and department_id in cache:
        return cache[department_id]
    mailbox = _directory.mailbox_for_department(department_id)
    if cache is not None:
        cache[department_id] = mailbox
    return mailbox


def bouncing_addresses(addresses: list[str]) -> set[str]:
    """The ones among `addresses` whose mail bounces (lower-cased)."""
    return _directory.bouncing_addresses(addresses)


def transport_for_sender(from_email: str) -> Transport | None:
    """The transport mail From this address must leave through instead of the relay (an
    OAuth2 mailbox's provider, signed in with XOAUTH2), or None: the relay."""
    address = (parseaddr(from_email)[1] or from_email).strip().lower()
    if not address:
        return None
    cache = _sender_transports.get()
    if cache is not None and address in cache:
        return cache[address]
    transport = _directory.transport_for_sender(address)
    if cache is not None:
        cache[address] = transport
    return transport
