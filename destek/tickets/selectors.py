"""Reads for the desk, the portal and the API, with a fixed number of queries each (the
agent queues, joined with the SLA rows, are destek.queues.selectors)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from destek.accounts.models import User
from destek.accounts.scope import in_scope
from destek.core.compat import set_prefetched
from destek.core.pagination import Page, keyset_page
from destek.tickets.access import messages_visible_to, tickets_visible_to
from destek.tickets.models import (
    Attachment,
    CannedResponse,
    Mention,
    Message,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketLink,
)

PAGE_SIZE = 25
# Most recently updated first (the customer's own list).
BY_UPDATED: list[tuple[str, bool]] = [("updated_at", True), ("id", True)]


def customer_ticket_list(*, customer: User, cursor: str | None = None, limit: int = PAGE_SIZE,
                         own_only: bool = False,
                         end_customer_id: int | None = None) -> Page[Ticket]:
    """The portal's list: what `customer` may see (their own tickets and, for a reseller's
    people, their end customers'), one query with each ticket's customer and organization.
    `own_only` keeps their own; `end_customer_id` one end customer organization's (none when
    it is not theirs: the scope still applies)."""
    qs = tickets_visible_to(customer).select_related("department", "customer__organization")
    if own_only:
        qs = qs.filter(customer_id=customer.pk)
    elif end_customer_id is not None:
        qs = qs.filter(customer__organization_id=end_customer_id).exclude(customer_id=customer.pk)
    return keyset_page(qs, ordering=BY_UPDATED, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    messages: list[Message]
    events: list[TicketEvent]


def ticket_detail(*, actor: User | None, ticket: Ticket, with_events: bool = True) -> TicketDetail:
    """The whole conversation (and, for agents, history): fixed queries whatever its length.
    The attachments are read only when a message has some (most have none: one query
    fewer)."""
    annotated = list(
        Message.objects.filter(messages_visible_to(actor), ticket=ticket)
        .select_related("author")
        .annotate(has_attachments=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )
    with_files = [m for m in annotated if m.has_attachments]
    if with_files:
        prefetch_related_objects(with_files, Prefetch(
            "attachments", queryset=Attachment.objects.order_by("pk")))
    for message in annotated:
        if not message.has_attachments:
            set_prefetched(message, "attachments", [])
    messages: list[Message] = list(annotated)
    history: list[TicketEvent] = []
    if with_events:
        history = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor")
                       .order_by("created_at", "pk"))
    return TicketDetail(ticket=ticket, messages=messages, events=history)


def new_ticket_detail(*, actor: User, ticket: Ticket, message: Message,
                      attachments: list[Attachment]) -> TicketDetail:
    """`ticket_detail` of a ticket the intake funnel has just opened, from what it returned:
    its one message (author loaded) and that message's attachments, without reading them
    back. Agents also get the history (one query)."""
    # What prefetch_related("attachments") leaves behind: `message.attachments.all()` then
    # returns these rows without a query.
    set_prefetched(message, "attachments", sorted(attachments, key=lambda a: a.pk or 0))
    history: list[TicketEvent] = []
    if actor.is_agent:
        history = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor")
                       .order_by("created_at", "pk"))
    return TicketDetail(ticket=ticket, messages=[message], events=history)


def canned_responses_for(*, ticket: Ticket) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(
        Q(department__isnull=True) | Q(department_id=ticket.department_id)
    ).order_by("title")


@dataclass(frozen=True)
class LinkedTicket:
    link_id: int
    ticket: Ticket  # the other ticket, with its department
    note: str


def linked_tickets(*, actor: User, ticket: Ticket) -> list[LinkedTicket]:
    """The tickets linked with `ticket` that `actor` may see, oldest link first (one query)."""
    links = (TicketLink.objects
             .filter((Q(lower=ticket) & in_scope(actor, "higher__department"))
                     | (Q(higher=ticket) & in_scope(actor, "lower__department")))
             .select_related("lower", "higher").order_by("pk"))
    return [LinkedTicket(link_id=link.pk, note=link.note,
                         ticket=link.higher if link.lower_id == ticket.pk else link.lower)
            for link in links]


def ticket_followers(*, ticket: Ticket) -> list[User]:
    """Who follows `ticket`, by name (one query)."""
    return [f.user for f in TicketFollower.objects.filter(ticket=ticket).select_related("user")
            .order_by("user__full_name", "user__email")]


@dataclass(frozen=True)
class NoteMention:
    email: str
    name: str
    notified: bool  # False: they may not see the ticket, so they were not told


def note_mentions(*, messages: list[Message]) -> dict[int, list[NoteMention]]:
    """The agents @mentioned in these messages' notes, by message: one query, only when a
    note has an "@" at all."""
    notes = [m.pk for m in messages if m.is_internal and "@" in m.body_text]
    found: dict[int, list[NoteMention]] = {}
    if not notes:
        return found
    for row in (Mention.objects.filter(message_id__in=notes).order_by("pk")
                .values("message_id", "user__email", "user__full_name", "notified")):
        found.setdefault(row["message_id"], []).append(NoteMention(
            email=row["user__email"], name=row["user__full_name"] or row["user__email"],
            notified=row["notified"]))
    return found
