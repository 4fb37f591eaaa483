"""Telling people: a notification through the one outbox entry point (rendered by the
delivery worker in the recipient's language, once per alert and recipient by its
idempotency key, never to an address that bounces) and a live push to the agent's open
desks on commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from destek.accounts.models import User
from destek.notifications.compose import Notice
from destek.notifications.links import agent_ticket_url, customer_ticket_url
from destek.notifications.notify import notify
from destek.notifications.values import Duration, Translated
from destek.realtime.groups import user_group
from destek.realtime.push import push_on_commit
from destek.sla.models import Metric
from destek.tickets.models import Message, Ticket

SLA_ALERT = "desk.sla_alert"


def reachable(user: User | None) -> bool:
    return user is not None and user.is_active and bool(user.email)


def notify_agent(*, key: str, recipient: User, ticket: Ticket, idempotency_key: str,
                 metric: str, due_at: datetime | None, minutes: int | None = None,
                 **extra: Any) -> bool:
    """Email one agent about one alert, and push it to their desk; False if unreachable."""
    if not reachable(recipient):
        return False
    notice = Notice(key=key, recipient=recipient, ticket=ticket, url=agent_ticket_url(ticket),
                    extra_context={"metric": Translated.of(Metric(metric).label) if metric
                                   else "",
                                   "due_at": due_at, "target": Duration(minutes),
                                   "assignee_name": ticket.assignee.display_name
                                   if ticket.assignee else "", **extra})
    notify(notice=notice, idempotency_key=idempotency_key)
    push_alert(user_id=recipient.pk, ticket=ticket, kind=key, metric=metric, due_at=due_at)
    return True


def notify_customer(*, key: str, ticket: Ticket, idempotency_key: str,
                    message: Message | None = None, **extra: Any) -> bool:
    customer = ticket.customer
    if not reachable(customer):
        return False
    department_address = ticket.department.email
    notice = Notice(key=key, recipient=customer, ticket=ticket, message=message,
                    url=customer_ticket_url(ticket),
                    reply_to=[department_address] if department_address else [],
                    extra_context=dict(extra))
    return notify(notice=notice, idempotency_key=idempotency_key) is not None


def push_alert(*, user_id: int, ticket: Ticket, kind: str, metric: str,
               due_at: datetime | None) -> None:
    """A lost push only delays the news (the email and the queue colours carry it too)."""
    push_on_commit(user_group(user_id), {
        "type": SLA_ALERT, "ticket_id": ticket.pk, "reference": ticket.reference,
        "kind": kind, "metric": metric, "due_at": due_at.isoformat() if due_at else None})
