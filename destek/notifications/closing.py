"""Closing the loop: the customer hears that their ticket was resolved or closed, with a
one-click reopen link (reopen_links.py), whichever door changed the status (the desk, a
bulk action, the API, an automatic step): every one publishes TicketUpdated(fields with
"status") or, for a status set with a message, MessagePosted(previous_status=…).

Not sent when
* the change came with a public reply, which the customer was emailed already (the reply's
  email shows the new status);
* the customer did it themselves, or the ticket was merged into another;
* it only moved from resolved to closed (they were told at the resolution);
* they turned ticket emails off (notify.wants_ticket_email) or their address bounces.
Once per status change: the idempotency key names the ticket, the status and the instant.
"""

from __future__ import annotations

from destek.accounts.models import User
from destek.notifications.compose import Notice
from destek.notifications.links import customer_ticket_url
from destek.notifications.models import TemplateKey
from destek.notifications.notify import notify
from destek.notifications.reopen_links import REOPEN_LINK_DAYS, reopen_url
from destek.tickets.domain_events import MessagePosted, TicketUpdated
from destek.tickets.models import DONE_STATUSES, OPEN_STATUSES, Status, Ticket


def _newly_done(ticket: Ticket, previous_status: str) -> bool:
    return ticket.status in DONE_STATUSES and previous_status in OPEN_STATUSES


def _by_customer_side(ticket: Ticket, actor: User | None) -> bool:
    return actor is not None and (actor.pk == ticket.customer_id or actor.is_customer)


def on_ticket_updated(event: TicketUpdated) -> None:
    ticket = event.ticket
    if "status" not in event.fields or "merged_into" in event.fields \
            or ticket.merged_into_id is not None:
        return
    if not _newly_done(ticket, event.previous_status) or _by_customer_side(ticket, event.actor):
        return
    tell_customer_done(ticket)


def on_message_posted(event: MessagePosted) -> None:
    """A status set with a message: only an internal note leaves the customer untold."""
    ticket, message = event.ticket, event.message
    if event.quiet or not message.is_internal:
        return
    if not _newly_done(ticket, event.previous_status) or _by_customer_side(ticket, event.actor):
        return
    tell_customer_done(ticket)


def tell_customer_done(ticket: Ticket) -> None:
    customer = ticket.customer
    if not customer.is_active or not customer.email:
        return
    department_address = ticket.department.email
    notice = Notice(
        key=TemplateKey.TICKET_RESOLVED, recipient=customer, ticket=ticket,
        url=customer_ticket_url(ticket),
        reply_to=[department_address] if department_address else [],
        extra_context={"reopen_url": reopen_url(ticket), "reopen_days": REOPEN_LINK_DAYS,
                       "is_closed": ticket.status == Status.CLOSED},
    )
    stamp = ticket.updated_at.timestamp()
    notify(notice=notice, idempotency_key=f"ticket-{ticket.pk}-{ticket.status}-{stamp:.6f}")
