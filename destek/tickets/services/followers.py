"""Followers and @mentions: who hears about a ticket besides its customer and assignee.

An agent follows a ticket with a button, or by being @mentioned in an internal note
(`@their.address@example.com`, offered by the note box's autocomplete). Followers hear of the
customer's replies and of status changes; the mentioned hear of the note. Who is told is
decided here, once, and published as `AgentsAlerted`: notifications email them and realtime
pushes to their desks (both wired in destek.wiring). Nobody is told about their own change,
and nobody about a ticket they may not see (an outsourced agent outside its department: the
mention is stored with `notified=False` and the note's author is told).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from destek.accounts.emails import normalized_email
from destek.accounts.models import STAFF_ROLES, User
from destek.accounts.scope import is_department_limited, works_in_department
from destek.core import bus
from destek.core.errors import PermissionDenied
from destek.tickets.domain_events import (
    AgentsAlerted,
    AlertReason,
    MessagePosted,
    TicketUpdated,
)
from destek.tickets.models import AuthorKind, Mention, Message, Ticket, TicketFollower

# "@" + an address, not preceded by a word character (so a bare address is not a mention).
MENTION = re.compile(r"(?<![\w.@+-])@([\w.%+-]+@[\w-]+(?:\.[\w-]+)+)")
MAX_MENTIONS = 20


def _require_agent(actor: User) -> None:
    if not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))


def ticket_follow(*, actor: User, ticket: Ticket) -> bool:
    """`actor` follows `ticket` (obtained through tickets.access); False if they already did."""
    _require_agent(actor)
    if TicketFollower.objects.filter(ticket=ticket, user=actor).exists():
        return False
    # A double click racing itself: the unique pair keeps one row.
    TicketFollower.objects.bulk_create([TicketFollower(ticket=ticket, user=actor)],
                                       ignore_conflicts=True)
    return True


def ticket_unfollow(*, actor: User, ticket: Ticket) -> bool:
    """`actor` stops following `ticket`; False if they did not follow it."""
    _require_agent(actor)
    deleted, _rows = TicketFollower.objects.filter(ticket=ticket, user=actor).delete()
    return bool(deleted)


def mentioned_addresses(text: str) -> list[str]:
    """The addresses @mentioned in `text`, normalized, in order, each once."""
    found = (normalized_email(m.group(1)) for m in MENTION.finditer(text))
    return list(dict.fromkeys(found))[:MAX_MENTIONS]


@dataclass(frozen=True)
class Mentions:
    notified: list[User]
    not_notified: list[User]  # they may not see the ticket


def may_see(user: User, ticket: Ticket) -> bool:
    """Whether a staff member may see `ticket` (one query for an outsourced agent)."""
    return user.is_active and user.is_agent and works_in_department(user, ticket.department_id)


def note_mentions_record(*, message: Message) -> Mentions:
    """Store the @mentions of an internal note; those who may see the ticket follow it and
    are told. Runs in the note's transaction (wired to MessagePosted)."""
    addresses = mentioned_addresses(message.body_text)
    if not addresses or not message.is_internal:
        return Mentions([], [])
    ticket = message.ticket
    people = [u for u in User.objects.filter(email__in=addresses, role__in=STAFF_ROLES,
                                              is_active=True).order_by("full_name", "pk")
              if u.pk != message.author_id]
    visible = [u for u in people if not is_department_limited(u) or may_see(u, ticket)]
    hidden = [u for u in people if u not in visible]
    Mention.objects.bulk_create(
        [Mention(message=message, user=u, notified=u in visible) for u in people],
        ignore_conflicts=True)
    TicketFollower.objects.bulk_create([TicketFollower(ticket=ticket, user=u) for u in visible],
                                       ignore_conflicts=True)
    if visible:
        bus.publish(AgentsAlerted(ticket=ticket, actor=message.author,
                                  reason=AlertReason.MENTIONED, recipients=tuple(visible),
                                  message=message))
    return Mentions(visible, hidden)


def followers_to_tell(*, ticket: Ticket, actor: User | None,
                      exclude: tuple[int | None, ...] = ()) -> tuple[User, ...]:
    """The ticket's followers who may still see it, but the actor and `exclude` (one query,
    plus one per outsourced follower)."""
    skip = {actor.pk if actor else None, *exclude}
    followers = [f.user for f in TicketFollower.objects.filter(ticket=ticket)
                 .select_related("user").order_by("pk")]
    return tuple(u for u in followers if u.pk not in skip and may_see(u, ticket))


def on_message_posted(event: MessagePosted) -> None:
    """Mentions in a note; the followers of a ticket a customer answered, or whose status a
    reply changed (the assignee hears of a customer's reply already)."""
    message, ticket = event.message, event.ticket
    if message.is_internal:
        if message.author_kind == AuthorKind.AGENT:
            note_mentions_record(message=message)
        return
    if event.quiet:
        return
    exclude: tuple[int | None, ...] = ()
    if message.author_kind == AuthorKind.CUSTOMER:
        reason, exclude = AlertReason.CUSTOMER_REPLIED, (ticket.assignee_id,)
    elif event.previous_status and event.previous_status != ticket.status:
        reason = AlertReason.STATUS_CHANGED
    else:
        return
    recipients = followers_to_tell(ticket=ticket, actor=event.actor, exclude=exclude)
    if recipients:
        bus.publish(AgentsAlerted(ticket=ticket, actor=event.actor, reason=reason,
                                  recipients=recipients, message=message,
                                  previous_status=event.previous_status))


def on_ticket_updated(event: TicketUpdated) -> None:
    if "status" not in event.fields or event.previous_status == event.ticket.status:
        return
    recipients = followers_to_tell(ticket=event.ticket, actor=event.actor)
    if recipients:
        bus.publish(AgentsAlerted(ticket=event.ticket, actor=event.actor,
                                  reason=AlertReason.STATUS_CHANGED, recipients=recipients,
                                  previous_status=event.previous_status))


def copy_followers(*, source: Ticket, target: Ticket) -> None:
    """A split-off ticket keeps the original's followers."""
    with transaction.atomic():
        TicketFollower.objects.bulk_create(
            [TicketFollower(ticket=target, user_id=uid) for uid in
             TicketFollower.objects.filter(ticket=source).values_list("user_id", flat=True)],
            ignore_conflicts=True)
