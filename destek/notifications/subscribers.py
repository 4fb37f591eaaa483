"""Domain events → outbox rows (written in the same transaction as the change).

The rules of who is told what:
* the customer (and the ticket's CC addresses) when their ticket is opened, by themselves,
  by email or by an agent on their behalf, and on every public reply by an agent or the
  system: never for internal notes, never for their own messages;
* the assignee when a ticket is assigned to them by someone else or automatically, and when
  the customer replies to a ticket assigned to them.

Each notification has an idempotency key, so an event handled twice writes one email.
These handlers run inside the intake/service transaction (destek.core.bus); only the
Celery enqueue waits for the commit. They decide who is told what; the email itself is
composed by the delivery worker (destek.notifications.notify).
"""

from __future__ import annotations

from destek.accounts.models import User
from destek.notifications.compose import Notice
from destek.notifications.links import agent_ticket_url, customer_ticket_url
from destek.notifications.models import TemplateKey
from destek.notifications.notify import notify
from destek.tickets.domain_events import MessagePosted, TicketAssigned, TicketOpened
from destek.tickets.models import AuthorKind, EventKind, Message, Ticket, TicketEvent


def _reachable(user: User | None) -> bool:
    return user is not None and user.is_active and bool(user.email)


def _customer_cc(ticket: Ticket) -> list[str]:
    own = ticket.customer.email.lower()
    return [a for a in dict.fromkeys(ticket.cc_addresses or []) if a and a.lower() != own]


def _customer_notice(key: str, ticket: Ticket, message: Message, **extra: object) -> Notice:
    department_address = ticket.department.email
    return Notice(
        key=key, recipient=ticket.customer, ticket=ticket, message=message,
        url=customer_ticket_url(ticket), cc=_customer_cc(ticket),
        reply_to=[department_address] if department_address else [],
        extra_context=dict(extra), is_thread_root=key == TemplateKey.TICKET_OPENED,
    )


def on_ticket_opened(event: TicketOpened) -> None:
    ticket = event.ticket
    if event.quiet or not _reachable(ticket.customer):
        return
    opened_by_agent = event.actor is not None and event.actor.is_agent
    notice = _customer_notice(TemplateKey.TICKET_OPENED, ticket, event.message,
                              opened_by_agent=opened_by_agent)
    notify(notice=notice, idempotency_key=f"ticket-{ticket.pk}-opened")


def on_message_posted(event: MessagePosted) -> None:
    message, ticket = event.message, event.ticket
    if message.is_internal or event.quiet:
        return
    if message.author_kind == AuthorKind.CUSTOMER:
        _tell_assignee_customer_replied(ticket, message)
        return
    # A public reply by an agent or the system.
    if message.author_id == ticket.customer_id or not _reachable(ticket.customer):
        return
    notify(notice=_customer_notice(TemplateKey.AGENT_REPLY, ticket, message),
           idempotency_key=f"msg-{message.pk}-customer")


def _tell_assignee_customer_replied(ticket: Ticket, message: Message) -> None:
    assignee = ticket.assignee
    if not _reachable(assignee) or message.author_id == ticket.assignee_id:
        return
    assert assignee is not None
    notice = Notice(key=TemplateKey.CUSTOMER_REPLIED, recipient=assignee, ticket=ticket,
                    message=message, url=agent_ticket_url(ticket))
    notify(notice=notice, idempotency_key=f"msg-{message.pk}-assignee")


def on_ticket_assigned(event: TicketAssigned) -> None:
    assignee, ticket = event.assignee, event.ticket
    if assignee is None or not _reachable(assignee):
        return
    if event.actor is not None and event.actor.pk == assignee.pk:
        return  # they took it themselves
    latest = event.latest_message or (
        Message.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author").order_by("-created_at", "-id").first()
    )
    notice = Notice(key=TemplateKey.AGENT_ASSIGNED, recipient=assignee, ticket=ticket,
                    message=latest, url=agent_ticket_url(ticket),
                    extra_context={"assigned_by": event.actor.display_name if event.actor
                                   else ""})
    notify(notice=notice,
           idempotency_key=_assignment_key(ticket, assignee, event.audit_event_id))


def _assignment_key(ticket: Ticket, assignee: User, audit_id: int | None = None) -> str:
    """One email per assignment: keyed on the audit event the service just wrote."""
    if audit_id is None:
        audit_id = (
            TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNEE)
            .order_by("-id").values_list("pk", flat=True).first()
        )
    return f"assign-{audit_id}-{assignee.pk}" if audit_id else ""
