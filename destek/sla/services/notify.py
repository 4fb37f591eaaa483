"""Telling people: an email through the outbox (in the recipient's language, once per alert
and recipient by its idempotency key) and a live push to the agent's open desks on commit."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import User
from destek.notifications.compose import Notice, compose
from destek.notifications.links import agent_ticket_url, customer_ticket_url
from destek.notifications.outbox import outbox_email_create
from destek.realtime.groups import user_group
from destek.sla.models import Metric
from destek.tickets.models import Ticket

logger = logging.getLogger(__name__)

SLA_ALERT = "desk.sla_alert"


def _target_text(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, rest = divmod(minutes, 60)
    if rest:
        return str(_("%(minutes)d minutes") % {"minutes": minutes})
    return str(_("%(hours)d hours") % {"hours": hours})


def reachable(user: User | None) -> bool:
    return user is not None and user.is_active and bool(user.email)


def notify_agent(*, key: str, recipient: User, ticket: Ticket, idempotency_key: str,
                 metric: str, due_at: datetime | None, minutes: int | None = None,
                 **extra: Any) -> bool:
    """Email one agent about one alert, and push it to their desk; False if unreachable."""
    if not reachable(recipient):
        return False
    notice = Notice(key=key, recipient=recipient, ticket=ticket, url=agent_ticket_url(ticket),
                    extra_context={"metric": Metric(metric).label if metric else "",
                                   "due_at": due_at, "target": _TargetText(minutes),
                                   "assignee_name": ticket.assignee.display_name
                                   if ticket.assignee else "", **extra})
    outbox_email_create(message=compose(notice), kind=key, ticket=ticket,
                        idempotency_key=idempotency_key)
    push_alert(user_id=recipient.pk, ticket=ticket, kind=key, metric=metric, due_at=due_at)
    return True


def notify_customer(*, key: str, ticket: Ticket, idempotency_key: str, **extra: Any) -> bool:
    customer = ticket.customer
    if not reachable(customer):
        return False
    from destek.mail.policies import bouncing_addresses

    if customer.email.lower() in bouncing_addresses([customer.email]):
        return False
    department_address = ticket.department.email
    notice = Notice(key=key, recipient=customer, ticket=ticket,
                    url=customer_ticket_url(ticket),
                    reply_to=[department_address] if department_address else [],
                    extra_context=dict(extra))
    outbox_email_create(message=compose(notice), kind=key, ticket=ticket,
                        idempotency_key=idempotency_key)
    return True


class _TargetText:
    """Rendered lazily, so it comes out in the recipient's language."""

    def __init__(self, minutes: int | None) -> None:
        self.minutes = minutes

    def __str__(self) -> str:
        return _target_text(self.minutes)


def push_alert(*, user_id: int, ticket: Ticket, kind: str, metric: str,
               due_at: datetime | None) -> None:
    message = {"type": SLA_ALERT, "ticket_id": ticket.pk, "reference": ticket.reference,
               "kind": kind, "metric": metric,
               "due_at": due_at.isoformat() if due_at else None}
    group = user_group(user_id)
    transaction.on_commit(lambda: _send(group, message), robust=True)


def _send(group: str, message: dict[str, Any]) -> None:
    """A lost push only delays the news (the email and the queue colours carry it too)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("Could not push an SLA alert")
