"""The portal as a channel: form input → the intake funnel and the customer status service.

Views call these and nothing in `tickets` directly for writes, so the web pages and the
guest pages cannot drift apart.
"""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from destek.accounts.models import User
from destek.hosting.models import Service
from destek.tickets.access import access_ticket_by_guest_token, access_ticket_by_id
from destek.tickets.intake import InboundMessage, IntakeResult, receive
from destek.tickets.models import Channel, Status, Ticket
from destek.tickets.services.changes import ticket_set_status_by_customer
from destek.tickets.uploads import files_from_request


def _external_id(author: User, submission_id: uuid.UUID | None) -> str:
    """A double-submitted form is stored once: the funnel deduplicates on this key."""
    if submission_id is None:
        return ""
    return f"portal:{author.pk}:{submission_id}"


def portal_open_ticket(*, author: User, department_id: int, priority: int, subject: str,
                       body: str, uploads: list[UploadedFile],
                       submission_id: uuid.UUID | None = None,
                       service: Service | None = None) -> IntakeResult:
    """`service`: one of the author's services, as the form read it (or None)."""
    return receive(InboundMessage(
        channel=Channel.PORTAL, author=author, department_id=department_id, priority=priority,
        subject=subject, body_text=body, attachments=tuple(files_from_request(uploads)),
        external_id=_external_id(author, submission_id), service=service,
    ))


def portal_reply(*, author: User, ticket: Ticket, body: str, uploads: list[UploadedFile],
                 submission_id: uuid.UUID | None = None) -> IntakeResult:
    """`ticket` must come from an access_* function; `author` is its customer, or one of
    a reseller's people answering on an end customer's ticket."""
    return receive(InboundMessage(
        channel=Channel.PORTAL, author=author, ticket_id=ticket.pk, body_text=body,
        attachments=tuple(files_from_request(uploads)),
        external_id=_external_id(author, submission_id),
    ))


def customer_set_status(*, actor: User, ticket_id: int, status: Status) -> Ticket:
    """Close or reopen a ticket `actor` may see (their own, or an end customer's for a
    reseller's people), with the row locked so two clicks cannot race."""
    with transaction.atomic():
        ticket = access_ticket_by_id(actor=actor, ticket_id=ticket_id, for_update=True)
        return ticket_set_status_by_customer(actor=actor, ticket=ticket, status=status)


def guest_set_status(*, token: str, status: Status) -> Ticket:
    """The same, for a guest holding a signed link: they act as the ticket's customer."""
    with transaction.atomic():
        ticket = access_ticket_by_guest_token(token=token, for_update=True)
        return ticket_set_status_by_customer(actor=ticket.customer, ticket=ticket, status=status)
