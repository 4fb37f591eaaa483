"""The customer's progress report: a real status update when a report was due, the assignee
was reminded, and nothing public was written within the grace period (engine.grace_minutes).

What it says, in the customer's language and time zone (rendered by the delivery worker):
the ticket's subject and status, the latest public answer (never an internal note), who is
on it (the assignee's name, else the department), what an on-hold ticket waits for, and
when the next update comes. Once per report: the idempotency key names the ticket and the
report's cycle, so a doubled scan or a worker that died mid-batch writes one email.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils.translation import gettext_noop

from destek.notifications.values import Translated
from destek.sla.services.notify import notify_customer
from destek.tickets.models import AuthorKind, Message, Status, Ticket, WaitingFor

# What a ticket in a waiting status waits for, as the customer reads it.
WAITING_FOR = {
    Status.PENDING: gettext_noop("your reply: please answer our last message so that we can "
                                 "go on"),
    Status.ON_HOLD: gettext_noop("a step outside our team (for example a provider, the data "
                                 "centre or a scheduled date); we go on as soon as it is done"),
}


def waiting_for(ticket: Ticket) -> Translated | str:
    """The reason an agent chose (its label, in the customer's language at rendering), else
    what the ticket's status implies. The agent's note travels as written (waiting_note)."""
    if ticket.waiting_for and ticket.waiting_for in WaitingFor.values:
        return Translated.of(WaitingFor(ticket.waiting_for).label)
    status = ticket.status
    text = WAITING_FOR.get(Status(status)) if status in Status.values else None
    return Translated(text) if text else ""


def latest_public_agent_messages(ticket_ids: list[int]) -> dict[int, Message]:
    """Each ticket's latest public message by an agent, in two queries for all of them."""
    if not ticket_ids:
        return {}
    latest = dict(Message.objects.filter(ticket_id__in=ticket_ids, is_internal=False,
                                         author_kind=AuthorKind.AGENT)
                  .order_by().values("ticket_id").annotate(last=Max("id"))
                  .values_list("ticket_id", "last"))
    messages = Message.objects.select_related("author").in_bulk(list(latest.values()))
    return {ticket_id: messages[pk] for ticket_id, pk in latest.items() if pk in messages}


def progress_update_customer(*, ticket: Ticket, idempotency_key: str,
                             next_update_at: datetime | None,
                             latest: Message | None) -> bool:
    """Queue the status update; False when the customer cannot or does not want to get it."""
    assignee = ticket.assignee
    return notify_customer(
        key="sla_progress_update", ticket=ticket, idempotency_key=idempotency_key,
        message=latest,
        # Agents are named to customers, never by their address (as in replies).
        assignee_name=assignee.full_name if assignee is not None else "",
        waiting_for=waiting_for(ticket),
        waiting_note=ticket.waiting_note,
        next_update_at=next_update_at,
        last_update_at=latest.created_at if latest is not None else None,
    )
