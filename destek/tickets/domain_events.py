"""Facts the ticket domain publishes; subscribers are wired in destek.wiring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from destek.accounts.models import User
    from destek.tickets.models import Message, Ticket


@dataclass(frozen=True)
class TicketOpened:
    ticket: Ticket
    message: Message
    actor: User | None
    quiet: bool = False  # no notification email (e.g. an auto-reply cap was reached)


@dataclass(frozen=True)
class MessagePosted:
    """A reply or a note on an existing ticket (not the opening message)."""

    ticket: Ticket
    message: Message
    actor: User | None
    quiet: bool = False  # no notification email (an automatic reply, a cap reached)
    previous_status: str = ""  # the status before this message (it may have changed it)


@dataclass(frozen=True)
class TicketAssigned:
    ticket: Ticket
    assignee: User | None
    actor: User | None
    # What the publisher already has at hand, so subscribers need not read it back: the
    # audit event of this assignment, and the ticket's latest public message.
    audit_event_id: int | None = None
    latest_message: Message | None = None


@dataclass(frozen=True)
class TicketUpdated:
    ticket: Ticket
    actor: User | None
    fields: tuple[str, ...] = field(default_factory=tuple)
    previous_status: str = ""  # when "status" is among the fields


@dataclass(frozen=True)
class CannedResponsesChanged:
    """A canned response was added, changed or deleted: the desk reloads its lists."""

    canned_id: int


class AlertReason:
    MENTIONED = "mentioned"  # @mentioned in an internal note
    CUSTOMER_REPLIED = "customer_replied"  # on a followed ticket
    STATUS_CHANGED = "status_changed"  # of a followed ticket


@dataclass(frozen=True)
class AgentsAlerted:
    """Agents to tell about a ticket they follow or were mentioned on (decided by
    tickets.services.followers: only agents who may see the ticket, never the actor)."""

    ticket: Ticket
    actor: User | None
    reason: str  # an AlertReason
    recipients: tuple[User, ...]
    message: Message | None = None
    previous_status: str = ""
