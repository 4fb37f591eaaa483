"""Domain events → WebSocket pushes to open desks, after the transaction commits.

The push carries only identifiers (ticket id, department id, reference). Browsers react by
re-fetching the queue rows or the ticket over HTTP, where the permission checks run, so no
ticket content ever travels over the channel layer to someone who may not see it.
"""

from __future__ import annotations

from typing import Any, Protocol

from destek.realtime import groups
from destek.realtime.push import ASSIGNED, TICKET_CHANGED, push_on_commit
from destek.tickets.domain_events import AgentsAlerted, TicketAssigned
from destek.tickets.models import Ticket


class HasTicket(Protocol):
    @property
    def ticket(self) -> Ticket: ...


def ticket_changed_message(ticket: Ticket) -> dict[str, Any]:
    return {
        "type": TICKET_CHANGED,
        "ticket_id": ticket.pk,
        "department_id": ticket.department_id,
        "reference": ticket.reference,
    }


def on_ticket_changed(event: HasTicket) -> None:
    """Subscribed (in destek.wiring) to TicketOpened, MessagePosted, TicketAssigned and
    TicketUpdated. Runs inside the service's transaction, so it only schedules the push:
    nothing is announced that could still roll back.

    One push per ticket (and department) per transaction: opening a ticket that routing
    assigns publishes two events, and desks only need to hear "this ticket changed" once.
    Everyone-agents and the ticket's department hear it.
    """
    message = ticket_changed_message(event.ticket)
    push_on_commit((groups.ALL, groups.department_group(message["department_id"])), message,
                   key=("ticket", message["ticket_id"], message["department_id"]))


def on_ticket_assigned(event: TicketAssigned) -> None:
    """Subscribed to TicketAssigned: the new assignee's open desks hear "assigned to you" (a
    desktop notification, desk-notify.js), unless they took the ticket themselves."""
    assignee = event.assignee
    if assignee is None or (event.actor is not None and event.actor.pk == assignee.pk):
        return
    ticket = event.ticket
    push_on_commit(groups.user_group(assignee.pk),
                   {"type": ASSIGNED, "ticket_id": ticket.pk, "reference": ticket.reference},
                   key=("assigned", ticket.pk, assignee.pk))


FOLLOW_ALERT = "desk.follow_alert"


def on_agents_alerted(event: AgentsAlerted) -> None:
    """Each agent told about a ticket (mentioned, or following it) hears it on their open
    desks, after the commit: ids, the reference and why, nothing more."""
    for recipient in event.recipients:
        push_on_commit(groups.user_group(recipient.pk), {
            "type": FOLLOW_ALERT, "ticket_id": event.ticket.pk,
            "reference": event.ticket.reference, "reason": event.reason,
        }, key=("follow-alert", event.ticket.pk, recipient.pk, event.reason))
