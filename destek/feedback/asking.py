"""Asking once: "How did we do?" when a ticket is resolved or closed.

Decision (docs/feedback.md): the question is its own short email (template "csat_survey"),
sent whether the resolution came with a public reply or not, so there is one template and
one rule. The "resolved" email (notifications.closing) keeps its reopen link and is not
changed; notifications sits below feedback and cannot ask feedback for the links.

Exactly once per ticket: the outbox idempotency key is f"csat-ticket-{pk}", so resolving
twice, or reopening and resolving again, never asks a second time (the customer can still
change their answer in the portal while the change window lasts). Not asked when the
customer resolved it themselves, when the ticket was merged, or when it is rated already.
"""

from __future__ import annotations

from django.utils import translation

from destek.accounts.models import User
from destek.feedback.links import rating_choices
from destek.feedback.models import Rating
from destek.feedback.selectors import feedback_settings
from destek.notifications.compose import Notice
from destek.notifications.links import customer_ticket_url
from destek.notifications.notify import notify
from destek.notifications.rendering import email_language
from destek.tickets.domain_events import MessagePosted, TicketUpdated
from destek.tickets.models import DONE_STATUSES, OPEN_STATUSES, Ticket

SURVEY_KEY = "csat_survey"


def survey_key(ticket: Ticket) -> str:
    return f"csat-ticket-{ticket.pk}"


def _newly_done(ticket: Ticket, previous_status: str) -> bool:
    return ticket.status in DONE_STATUSES and previous_status in OPEN_STATUSES


def _by_customer_side(ticket: Ticket, actor: User | None) -> bool:
    return actor is not None and (actor.pk == ticket.customer_id or actor.is_customer)


def on_ticket_updated(event: TicketUpdated) -> None:
    ticket = event.ticket
    if "status" not in event.fields or ticket.merged_into_id is not None:
        return
    if _newly_done(ticket, event.previous_status) and not _by_customer_side(ticket,
                                                                            event.actor):
        ask_about_ticket(ticket)


def on_message_posted(event: MessagePosted) -> None:
    """A status set with a message (a public reply or a note): asked either way."""
    ticket = event.ticket
    if ticket.merged_into_id is not None or not event.previous_status:
        return
    if _newly_done(ticket, event.previous_status) and not _by_customer_side(ticket,
                                                                            event.actor):
        ask_about_ticket(ticket)


def ask_about_ticket(ticket: Ticket) -> None:
    """Queue the survey email for `ticket`'s customer (at most once per ticket, ever)."""
    customer = ticket.customer
    if not customer.is_active or not customer.email:
        return
    if Rating.objects.filter(ticket_id=ticket.pk).exists():
        return
    config = feedback_settings()
    with translation.override(email_language(customer.language)):
        choices = rating_choices(ticket, config.scale)
    department_address = ticket.department.email
    notice = Notice(
        key=SURVEY_KEY, recipient=customer, ticket=ticket, url=customer_ticket_url(ticket),
        reply_to=[department_address] if department_address else [],
        extra_context={"rating_links": choices, "is_five_point": config.scale == "five",
                       "link_days": config.link_valid_days},
    )
    notify(notice=notice, idempotency_key=survey_key(ticket))
