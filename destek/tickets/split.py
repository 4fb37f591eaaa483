"""Splitting a ticket: the messages an agent selects move (not copied; their attachments
follow) to a new ticket of the same customer, opened by the funnel (`intake.open_split_ticket`)
and linked to the original. Both histories say what moved where, both tickets' counts and
SLA rows are brought up to date (TicketOpened / TicketUpdated on the bus), and both tickets
come through `access_ticket_by_id`: an outsourced agent cannot split into a department they
cannot see. Beside intake, not in services/, which the funnel itself imports.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import Department, User
from destek.accounts.scope import works_in_department
from destek.core import bus
from destek.core.errors import ApplicationError, PermissionDenied
from destek.tickets import domain_events, events
from destek.tickets.access import access_ticket_by_id
from destek.tickets.intake import open_split_ticket
from destek.tickets.models import (
    Attachment,
    AuthorKind,
    EventKind,
    Message,
    Status,
    Ticket,
)
from destek.tickets.services.followers import copy_followers
from destek.tickets.services.links import link_tickets_quietly

MAX_SPLIT = 200
# What a split changes on a ticket, for the SLA subscriber (message_count is one of its fields).
SPLIT_FIELDS = ("message_count", "status", "last_customer_message_at", "last_agent_message_at",
                "first_response_at", "updated_at")


def ticket_split(*, actor: User, source: Ticket, message_ids: list[int], subject: str,
                 department: Department | None = None) -> Ticket:
    """Move `message_ids` of `source` to a new ticket named `subject`; the new ticket."""
    if not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))
    ids = list(dict.fromkeys(message_ids))[:MAX_SPLIT + 1]
    if not ids:
        raise ApplicationError(_("Select the messages to move."), field="messages")
    if len(ids) > MAX_SPLIT:
        raise ApplicationError(_("At most 200 messages can be moved at once."), field="messages")
    now = timezone.now()
    with transaction.atomic():
        source = access_ticket_by_id(actor=actor, ticket_id=source.pk, for_update=True)
        department = department or source.department
        if not works_in_department(actor, department.pk):
            raise ApplicationError(_("Choose a valid department."), field="department")
        if source.merged_into_id:
            raise ApplicationError(_("A merged ticket cannot be split."), field="messages")
        moving = _messages_to_move(source, ids)
        new = open_split_ticket(actor=actor, source=source, subject=subject,
                                department=department, now=now)
        Message.objects.filter(pk__in=ids).update(ticket=new)
        Attachment.objects.filter(message_id__in=ids).update(ticket=new)
        for message in moving:
            message.ticket = new
        _recount(source, now)
        _recount(new, now)
        numbers = events.message_numbers(ids)
        events.record_many([
            events.build(ticket=source, actor=actor, kind=EventKind.SPLIT_OUT, before=numbers,
                         after=new.reference, at=now),
            events.build(ticket=new, actor=actor, kind=EventKind.SPLIT_IN,
                         before=source.reference, after=numbers, at=now),
        ])
        link_tickets_quietly(actor=actor, a=source, b=new, note="")
        copy_followers(source=source, target=new)
        # The new ticket through the one accessor too: the actor may see what they made.
        access_ticket_by_id(actor=actor, ticket_id=new.pk)
        first_public = next(m for m in moving if not m.is_internal)
        # quiet: the customer was told of these messages already; the SLA row is computed.
        bus.publish(domain_events.TicketOpened(ticket=new, message=first_public, actor=actor,
                                               quiet=True))
        if new.assignee is not None and new.assignee_id != actor.pk:
            bus.publish(domain_events.TicketAssigned(ticket=new, assignee=new.assignee,
                                                     actor=actor,
                                                     latest_message=moving[-1]))
        bus.publish(domain_events.TicketUpdated(ticket=source, actor=actor, fields=SPLIT_FIELDS))
    return new


def _messages_to_move(source: Ticket, ids: list[int]) -> list[Message]:
    """The selected messages, all of them on `source`, at least one of them public, and at
    least one public message left behind."""
    moving = list(Message.objects.filter(ticket=source, pk__in=ids)
                  .select_related("author").order_by("created_at", "pk"))
    if len(moving) != len(ids):
        raise ApplicationError(_("Some selected messages are not on this ticket."),
                               field="messages")
    if all(m.is_internal for m in moving):
        raise ApplicationError(_("Select at least one reply or customer message, not only "
                                 "internal notes."), field="messages")
    if not Message.objects.filter(ticket=source, is_internal=False).exclude(pk__in=ids).exists():
        raise ApplicationError(_("Leave at least one message on the original ticket."),
                               field="messages")
    return moving


def _recount(ticket: Ticket, now: datetime) -> None:
    """The counters and message times a ticket keeps, from the messages it now has."""
    public = Q(is_internal=False)
    found = Message.objects.filter(ticket=ticket).aggregate(
        count=Count("pk", filter=public),
        last_customer=Max("created_at", filter=public & Q(author_kind=AuthorKind.CUSTOMER,
                                                          is_auto_reply=False)),
        last_agent=Max("created_at", filter=public & Q(author_kind=AuthorKind.AGENT)),
        first_agent=Min("created_at", filter=public & Q(author_kind=AuthorKind.AGENT)),
    )
    ticket.message_count = found["count"]
    ticket.last_customer_message_at = found["last_customer"]
    ticket.last_agent_message_at = found["last_agent"]
    if ticket.first_response_at is None or (ticket.first_response_at and not found["first_agent"]):
        ticket.first_response_at = found["first_agent"]
    if ticket.status == Status.NEW and found["first_agent"]:
        ticket.status = Status.OPEN
    ticket.updated_at = now
    ticket.save(update_fields=list(SPLIT_FIELDS))
