"""What notifications must know about addresses, answered by the email channel.

The data lives in destek.mail's models (a department's mailbox, the addresses whose mail
bounces), and notifications may not import mail (mail is the higher layer: it threads
replies to the Message-IDs notifications wrote). So the composition root (destek.wiring)
plugs mail's two lookups in here at start-up; until then no department has a mailbox and
no address bounces.

Within a batch (a delivery run, a batch of inbound mail) `department_mailboxes_cached`
looks each department's mailbox up once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class SendingMailbox:
    """The parts of a department's mailbox an outgoing email shows."""

    address: str
    from_name: str
    signature: str


MailboxLookup = Callable[[int], "SendingMailbox | None"]
BounceLookup = Callable[[list[str]], set[str]]


def _no_mailbox(_department_id: int) -> SendingMailbox | None:
    return None


def _nothing_bounces(_addresses: list[str]) -> set[str]:
    return set()


@dataclass
class _Directory:
    mailbox_for_department: MailboxLookup = _no_mailbox
    bouncing_addresses: BounceLookup = _nothing_bounces


_directory = _Directory()
_department_mailboxes: ContextVar[dict[int, SendingMailbox | None] | None] = ContextVar(
    "department_mailboxes", default=None)


def connect(*, mailbox_for_department: MailboxLookup, bouncing_addresses: BounceLookup) -> None:
    """Called once by destek.wiring."""
    _directory.mailbox_for_department = mailbox_for_department
    _directory.bouncing_addresses = bouncing_addresses


@contextmanager
def department_mailboxes_cached() -> Iterator[None]:
    """Within a batch, look each department's mailbox up once."""
    token = _department_mailboxes.set({})
    try:
        yield
    finally:
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
