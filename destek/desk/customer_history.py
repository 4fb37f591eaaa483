"""A customer's recent history across every channel, as the sidebars show it.

Each channel is a source: a function reading at most `limit` of the customer's latest items
that the agent may see, in one query, as `HistoryItem`s. The sources are merged by time and
cut to the limit, so the history costs one query per source whatever the customer's past.
Calls and ratings join by adding their source to `HISTORY_SOURCES`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import Any

from django.db.models import Choices, QuerySet
from django.utils.translation import get_language, gettext

from destek.accounts.models import User
from destek.desk.formatting import DateFormatter, id_url
from destek.livechat.access import conversations_visible_to
from destek.livechat.models import ConversationState
from destek.tickets.access import tickets_visible_to
from destek.tickets.models import OPEN_STATUSES, Channel, Status, Ticket, format_reference
from destek.tickets.web import status_badge

HISTORY_LIMIT = 6
OPEN_TICKETS_LIMIT = 5


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One thing that happened with the customer, on any channel."""

    at: datetime
    kind: str  # "ticket", "chat" (later "call", "rating")
    reference: str
    title: str
    url: str
    channel_label: str
    status_label: str
    status_badge: str
    at_iso: str = ""
    at_label: str = ""


@dataclass(frozen=True, slots=True)
class Exclude:
    """What the screen already shows (the ticket or chat open beside the history)."""

    ticket_id: int | None = None
    conversation_id: int | None = None


HistorySource = Callable[[User, User, Exclude, int], list[HistoryItem]]


def clip(text: str, limit: int = 50) -> str:
    """What `truncatechars` prints, without a template filter per row."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=64)
def _labels(choices: type[Choices], language: str | None) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


def labels(choices: type[Choices]) -> dict[str, str]:
    """A choices class's labels in the current language (translated once per process)."""
    return _labels(choices, get_language())


TICKET_ROW_FIELDS = ("id", "subject", "status", "channel", "updated_at")


def customer_tickets(actor: User, customer: User) -> QuerySet[Ticket, dict[str, Any]]:
    """The customer's tickets `actor` may see, latest first, as plain rows (not read yet: the
    callers cut it). Built once, it serves the panel's open tickets and its history: each
    read narrows the same query instead of building its own (bench/README.md "Ticket view
    with the customer's services")."""
    return tickets_visible_to(actor).filter(customer_id=customer.pk).values(
        *TICKET_ROW_FIELDS).order_by("-updated_at", "-id")


def ticket_rows(actor: User, customer: User, *, exclude_id: int | None, limit: int,
                open_only: bool = False,
                rows: QuerySet[Ticket, dict[str, Any]] | None = None) -> list[Mapping[str, Any]]:
    """The customer's latest tickets `actor` may see, as plain rows (one bounded query
    through the ticket_customer index); `rows`: `customer_tickets(actor, customer)` when the
    caller built it already."""
    qs = rows if rows is not None else customer_tickets(actor, customer)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    # One more than asked, the one on screen left out here: cheaper than a NOT in the query.
    kept: list[Mapping[str, Any]] = [r for r in qs[: limit + 1] if r["id"] != exclude_id]
    return kept[:limit]


def present_tickets(rows: Sequence[Mapping[str, Any]]) -> list[HistoryItem]:
    url = id_url("desk:ticket", "ticket_id")
    statuses, channels = labels(Status), labels(Channel)
    items = []
    for t in rows:
        pk, status, channel = int(t["id"]), str(t["status"]), str(t["channel"])
        at = t["updated_at"]
        assert isinstance(at, datetime)
        items.append(HistoryItem(at=at, kind="ticket", reference=format_reference(pk),
                                 title=clip(t["subject"]), url=url(pk),
                                 channel_label=channels.get(channel, channel),
                                 status_label=statuses.get(status, status),
                                 status_badge=status_badge(status)))
    return items


def ticket_source(actor: User, customer: User, exclude: Exclude, limit: int) -> list[HistoryItem]:
    return present_tickets(ticket_rows(actor, customer, exclude_id=exclude.ticket_id,
                                       limit=limit))


def ticket_source_from(rows: QuerySet[Ticket, dict[str, Any]]) -> HistorySource:
    """`ticket_source` over `customer_tickets(actor, customer)` already built by the caller."""
    def source(actor: User, customer: User, exclude: Exclude, limit: int) -> list[HistoryItem]:
        return present_tickets(ticket_rows(actor, customer, exclude_id=exclude.ticket_id,
                                           limit=limit, rows=rows))
    return source


CHAT_BADGES: dict[str, str] = {ConversationState.WAITING: "text-bg-warning",
               ConversationState.ACTIVE: "text-bg-info",
               ConversationState.ENDED: "text-bg-secondary"}


def chat_source(actor: User, customer: User, exclude: Exclude, limit: int) -> list[HistoryItem]:
    """The customer's latest chats (signed in) `actor` may see, one bounded query."""
    found = (conversations_visible_to(actor).filter(customer_id=customer.pk)
             .order_by("-created_at", "-id")
             .values("id", "topic", "state", "created_at", "last_message_at")[: limit + 1])
    rows = [c for c in found if c["id"] != exclude.conversation_id][:limit]
    url = id_url("livechat_desk:transcript", "conversation_id")
    states = labels(ConversationState)
    chat, no_topic = labels(Channel)[Channel.CHAT], gettext("Chat")
    return [HistoryItem(at=c["last_message_at"] or c["created_at"], kind="chat",
                        reference=f"#{c['id']}", title=clip(c["topic"] or no_topic),
                        url=url(c["id"]), channel_label=chat,
                        status_label=states.get(c["state"], c["state"]),
                        status_badge=CHAT_BADGES.get(c["state"], "text-bg-secondary"))
            for c in rows]


# Every channel with a history of its own; calls and ratings add theirs here.
HISTORY_SOURCES: tuple[HistorySource, ...] = (ticket_source, chat_source)


def customer_history(*, actor: User, customer: User, exclude: Exclude | None = None,
                     limit: int = HISTORY_LIMIT,
                     sources: Sequence[HistorySource] = HISTORY_SOURCES) -> list[HistoryItem]:
    """The customer's latest `limit` items over every source, newest first: one query per
    source."""
    exclude = exclude or Exclude()
    streams = [source(actor, customer, exclude, limit) for source in sources]
    merged = list(islice(heapq.merge(*streams, key=lambda item: item.at, reverse=True), limit))
    when = DateFormatter("SHORT_DATETIME_FORMAT")
    return [replace(i, at_iso=when.iso(i.at), at_label=when(i.at)) for i in merged]
