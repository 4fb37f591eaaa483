"""Answering every open ticket linked to an incident at once, and resolving them with a final
message when the incident is over.

Each reply goes through the intake funnel as an agent's desk reply (so the customer is
emailed as usual, the SLA clock and history follow), with an external id made of the
`LinkedReply`'s token and the ticket: a ticket gets it once, however many times a batch or
the whole task runs, and a form posted twice (same token) sends nothing more. Only the
tickets the sender may see are answered (`tickets.access`: an outsourced agent's own
departments). Batches (DESTEK_INCIDENT_REPLY_BATCH tickets) run in Celery tasks, one after
the other; the row's counters are the progress bar.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.audit.log import Action, record
from destek.core.errors import ApplicationError, PermissionDenied
from destek.status.models import Incident, LinkedReply, LinkedReplyState
from destek.tickets.access import tickets_visible_to
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import OPEN_STATUSES, Channel, Status, Ticket

MAX_BODY = 20_000


def new_token() -> str:
    return uuid.uuid4().hex


def open_linked_tickets(*, actor: User, incident: Incident) -> QuerySet[Ticket]:
    """The open tickets linked to `incident` that `actor` may see, by id."""
    return tickets_visible_to(actor).filter(
        incident_links__incident=incident, status__in=OPEN_STATUSES).order_by("pk")


def external_id(reply: LinkedReply, ticket_id: int) -> str:
    return f"incident-reply:{reply.token}:{ticket_id}"


def linked_reply_start(*, actor: User, incident: Incident, body: str, resolve: bool,
                       token: str) -> LinkedReply:
    """Send `body` to every open linked ticket `actor` may see (resolving them with
    `resolve`), in the background. Idempotent on `token` (the form's)."""
    if not actor.is_authenticated or not actor.is_agent:
        raise PermissionDenied(_("Only agents answer tickets."))
    body = body.strip()
    if not body:
        raise ApplicationError(_("Write the message to send."), field="body")
    if len(body) > MAX_BODY:
        raise ApplicationError(_("The message is too long."), field="body")
    token = (token or "").strip()[:64] or new_token()
    with transaction.atomic():
        reply, created = LinkedReply.objects.get_or_create(token=token, defaults={
            "incident": incident, "body": body, "resolve": resolve, "author": actor,
            "total": open_linked_tickets(actor=actor, incident=incident).count()})
        if not created:
            if reply.incident_id != incident.pk:
                raise ApplicationError(_("This form was already used for another incident."))
            return reply
        record(Action.SETTINGS_CHANGED, actor=actor, target=f"incident:{incident.pk}",
               change="linked_tickets_resolved" if resolve else "linked_tickets_answered",
               reply=reply.pk, tickets=reply.total)
        reply_id = reply.pk
        transaction.on_commit(lambda: send_linked_reply.delay(reply_id))
    return reply


def batch_size() -> int:
    return max(1, int(settings.DESTEK_INCIDENT_REPLY_BATCH))


@shared_task(name="destek.status.tasks.links.send_linked_reply", acks_late=True, bind=True)
def send_linked_reply(self: Any, reply_id: int) -> None:
    """One batch, then the next as a new task on the same queue (a worker killed mid-batch:
    the batch runs again and sends nothing twice)."""
    if linked_reply_send_batch(reply_id=int(reply_id)):
        queue = (self.request.delivery_info or {}).get("routing_key") or None
        send_linked_reply.apply_async((reply_id,), queue=queue)


def linked_reply_send_batch(*, reply_id: int) -> bool:
    """Send the next batch (after the row's cursor); True when more remain."""
    reply = LinkedReply.objects.select_related("author", "incident").filter(pk=reply_id).first()
    if reply is None or reply.state == LinkedReplyState.DONE:
        return False
    if reply.author is None or not reply.author.is_active or not reply.author.is_agent:
        # The sender left: nothing is sent in their name any more.
        LinkedReply.objects.filter(pk=reply.pk).update(state=LinkedReplyState.DONE,
                                                       finished_at=timezone.now())
        return False
    size = batch_size()
    batch = list(open_linked_tickets(actor=reply.author, incident=reply.incident)
                 .filter(pk__gt=reply.last_ticket_id).values_list("pk", flat=True)[:size])
    for ticket_id in batch:
        try:
            receive(InboundMessage(
                channel=Channel.DESK, author=reply.author, ticket_id=ticket_id,
                body_text=reply.body, external_id=external_id(reply, ticket_id),
                new_status=Status.RESOLVED if reply.resolve else None))
        except ApplicationError:
            continue  # merged or closed in between: nothing to answer
    if not batch:
        LinkedReply.objects.filter(pk=reply.pk).update(
            state=LinkedReplyState.DONE, finished_at=timezone.now())
        return False
    # Only the run that moves the cursor counts the batch (a retry re-sends nothing).
    LinkedReply.objects.filter(pk=reply.pk, last_ticket_id=reply.last_ticket_id).update(
        last_ticket_id=batch[-1], done=min(reply.total, reply.done + len(batch)))
    if len(batch) < size:
        LinkedReply.objects.filter(pk=reply.pk).update(
            state=LinkedReplyState.DONE, finished_at=timezone.now())
        return False
    return True
