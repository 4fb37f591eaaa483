"""Agents alerted about a ticket (tickets.services.followers decided who) → one email each.

@mentioned in an internal note, a followed ticket's customer replied, or its status changed.
Once per alert and recipient (the idempotency key names the note, the reply or the status
change); rendered later by the worker in the recipient's language (ADR 0003).
"""

from __future__ import annotations

from destek.notifications.compose import Notice
from destek.notifications.links import agent_ticket_url
from destek.notifications.notify import notify
from destek.notifications.values import Translated
from destek.tickets.domain_events import AgentsAlerted, AlertReason
from destek.tickets.models import Status

# The shipped templates (templates/notifications/<key>.<language>[.subject].txt).
TEMPLATES = {
    AlertReason.MENTIONED: "ticket_mentioned",
    AlertReason.CUSTOMER_REPLIED: "followed_customer_replied",
    AlertReason.STATUS_CHANGED: "followed_status_changed",
}


def _status_label(value: str) -> Translated | str:
    return Translated.of(Status(value).label) if value in Status.values else value


def _key(event: AgentsAlerted, recipient_id: int) -> str:
    if event.message is not None:
        return f"{event.reason}-msg-{event.message.pk}-{recipient_id}"
    changed = event.ticket.updated_at.timestamp()
    return (f"{event.reason}-{event.ticket.pk}-{event.ticket.status}-{changed:.6f}-"
            f"{recipient_id}")


def on_agents_alerted(event: AgentsAlerted) -> None:
    ticket = event.ticket
    extra = {
        "actor_name": event.actor.display_name if event.actor else "",
        "previous_status": _status_label(event.previous_status),
    }
    for recipient in event.recipients:
        if not recipient.is_active or not recipient.email:
            continue
        notice = Notice(key=TEMPLATES[event.reason], recipient=recipient, ticket=ticket,
                        message=event.message, url=agent_ticket_url(ticket),
                        extra_context=dict(extra))
        notify(notice=notice, idempotency_key=_key(event, recipient.pk))
