"""Related tickets: a symmetric link with an optional note, listed on both tickets.

A link is stored once (lower id first, a unique pair); both histories say who linked or
unlinked what. Both tickets come through `access_ticket_by_id`, so an outsourced agent links
only tickets they can see.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core import bus
from destek.core.errors import ApplicationError, PermissionDenied
from destek.tickets import domain_events, events
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import EventKind, Ticket, TicketLink

MAX_NOTE = 200


def _pair(a: Ticket, b: Ticket) -> tuple[Ticket, Ticket]:
    return (a, b) if a.pk < b.pk else (b, a)


def ticket_link(*, actor: User, ticket: Ticket, other_id: int, note: str = "") -> TicketLink:
    """Link `ticket` with the ticket `other_id` (NotFound when the actor cannot see it)."""
    if not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))
    other = access_ticket_by_id(actor=actor, ticket_id=other_id)
    if other.pk == ticket.pk:
        raise ApplicationError(_("A ticket cannot be linked to itself."), field="reference")
    lower, higher = _pair(ticket, other)
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(lower=lower, higher=higher,
                                             note=" ".join(note.split())[:MAX_NOTE],
                                             created_by=actor)
            _record(actor=actor, kind=EventKind.LINKED, a=ticket, b=other, note=link.note)
    except IntegrityError:
        raise ApplicationError(_("These tickets are already linked."),
                               field="reference") from None
    return link


def ticket_unlink(*, actor: User, ticket: Ticket, link_id: int) -> None:
    """Remove one of `ticket`'s links (NotFound when it has no such link, or the other
    ticket is out of the actor's sight)."""
    if not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))
    with transaction.atomic():
        link = (TicketLink.objects.select_for_update()
                .filter(Q(lower=ticket) | Q(higher=ticket), pk=link_id).first())
        if link is None:
            raise ApplicationError(_("This link no longer exists."), field="link")
        other_id = link.higher_id if link.lower_id == ticket.pk else link.lower_id
        other = access_ticket_by_id(actor=actor, ticket_id=other_id)
        link.delete()
        _record(actor=actor, kind=EventKind.UNLINKED, a=ticket, b=other, note="")


def link_tickets_quietly(*, actor: User, a: Ticket, b: Ticket, note: str) -> TicketLink:
    """A link another service makes as part of its own change (a split), recorded by it."""
    lower, higher = _pair(a, b)
    return TicketLink.objects.create(lower=lower, higher=higher, note=note[:MAX_NOTE],
                                     created_by=actor)


def _record(*, actor: User, kind: EventKind, a: Ticket, b: Ticket, note: str) -> None:
    events.record_many([
        events.build(ticket=a, actor=actor, kind=kind, before=note, after=b.reference),
        events.build(ticket=b, actor=actor, kind=kind, before=note, after=a.reference),
    ])
    for ticket in (a, b):
        bus.publish(domain_events.TicketUpdated(ticket=ticket, actor=actor, fields=("links",)))
