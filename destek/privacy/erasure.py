"""Erasure by anonymisation: an administrator erases a customer (KVKK md. 7, GDPR art. 17).

The customer's account row stays, so tickets, SLA figures, chats and votes keep counting,
but nothing in it or anywhere else still says who they were or what they wrote. Everything
runs in one transaction; stored files are deleted once it has committed.

What happens to every model of the project is decided in docs/privacy-erasure.md (one row
per model); `destek/privacy/tests/test_erasure_scan.py` checks the outcome by reading every
text, JSON and binary field of every model, and every stored file, after an erasure.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from destek.accounts.models import User
from destek.audit.log import Action, record
from destek.audit.models import AuditEvent
from destek.kb.models import Deflection, Vote
from destek.livechat.models import Conversation
from destek.mail.models import AutoReply, EmailAddressStatus, InboundEmail
from destek.notifications.models import OutboundEmail
from destek.privacy import erasure_scrub
from destek.privacy.export_models import ExportJob
from destek.tickets.models import Attachment, Message, Ticket, TicketEvent

ERASED_DOMAIN = "erased.invalid"
SESSION_BATCH = 500


class ErasureRefused(Exception):
    """Only customers are erased through this service (staff accounts are deactivated)."""


@dataclass(frozen=True)
class ErasureCounts:
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    chats: int = 0
    inbound_emails: int = 0
    outbound_emails: int = 0


def placeholder_email(user_id: int) -> str:
    """Unique (one per account) and never deliverable (.invalid, RFC 2606)."""
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == placeholder_email(user.pk)


def _chats(customer: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        models.Q(customer=customer) | models.Q(visitor_email__iexact=customer.email)
        | models.Q(ticket__customer=customer))


def _inbound(customer: User) -> QuerySet[InboundEmail]:
    return InboundEmail.objects.filter(
        models.Q(from_address__iexact=customer.email)
        | models.Q(envelope_to__icontains=customer.email)
        | models.Q(ticket__customer=customer)
        | models.Q(ticket_message__ticket__customer=customer)
        | models.Q(ticket_message__author=customer))


def _outbound(customer: User) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(
        models.Q(ticket__customer=customer) | models.Q(recipients__icontains=customer.email))


def _exports_holding(customer: User) -> QuerySet[ExportJob]:
    """Data exports that may hold them: their own, and those of customers on whose tickets
    they were CC'd or wrote (a ZIP cannot be scrubbed, so it goes; the owner asks again)."""
    email = customer.email.lower()
    others = Ticket.objects.filter(cc_addresses__icontains=email).values("customer_id")
    written_on = _messages_elsewhere(customer).values("ticket__customer_id")
    return ExportJob.objects.filter(models.Q(customer=customer) | models.Q(customer__in=others)
                                    | models.Q(customer__in=written_on))


def _messages_elsewhere(customer: User) -> QuerySet[Message]:
    """What they wrote on other customers' tickets (as a CC'd person)."""
    return Message.objects.filter(author=customer).exclude(ticket__customer=customer)


def erasure_preview(*, customer: User) -> ErasureCounts:
    """What an erasure would touch, for the confirmation page (a handful of counts)."""
    ticket_ids = Ticket.objects.filter(customer=customer).values("pk")
    return ErasureCounts(
        tickets=Ticket.objects.filter(customer=customer).count(),
        messages=Message.objects.filter(
            models.Q(ticket_id__in=ticket_ids) | models.Q(author=customer)).count(),
        attachments=Attachment.objects.filter(
            models.Q(ticket_id__in=ticket_ids) | models.Q(message__author=customer)).count(),
        chats=_chats(customer).count(),
        inbound_emails=_inbound(customer).count(),
        outbound_emails=_outbound(customer).count(),
    )


def _replace_in(value: Any, needles: list[str], replacement: str) -> Any:
    """`value` (JSON) with every needle replaced, case-insensitively, in every string."""
    if isinstance(value, str):
        lowered = value.lower()
        if any(needle.lower() in lowered for needle in needles):
            for needle in needles:
                start = value.lower().find(needle.lower())
                while start >= 0:
                    value = value[:start] + replacement + value[start + len(needle):]
                    start = value.lower().find(needle.lower(), start + len(replacement))
        return value
    if isinstance(value, list):
        return [_replace_in(item, needles, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in(item, needles, replacement) for key, item in value.items()}
    return value


def _scrub_audit(customer: User, needles: list[str], placeholder: str) -> None:
    rows = AuditEvent.objects.filter(
        models.Q(actor=customer) | models.Q(actor_label__iexact=customer.email)
        | models.Q(target=f"user:{customer.pk}")
        | models.Q(detail__icontains=customer.email))
    AuditEvent.objects.filter(
        models.Q(actor=customer) | models.Q(actor_label__iexact=customer.email)
    ).update(actor_label=placeholder, ip=None, user_agent="")
    changed = []
    for event in rows.only("pk", "detail"):
        detail = _replace_in(event.detail, needles, placeholder)
        if json.dumps(detail, sort_keys=True) != json.dumps(event.detail, sort_keys=True):
            event.detail = detail
            changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["detail"], batch_size=500)


def _scrub_cc(customer: User) -> None:
    """Their address off every CC list, and out of any ticket event that recorded it."""
    email = customer.email.lower()
    tickets = []
    for ticket in Ticket.objects.filter(cc_addresses__icontains=email).only("pk", "cc_addresses"):
        ticket.cc_addresses = [cc for cc in ticket.cc_addresses if str(cc).lower() != email]
        tickets.append(ticket)
    Ticket.objects.bulk_update(tickets, ["cc_addresses"], batch_size=500)
    events = []
    placeholder = placeholder_email(customer.pk)
    for event in TicketEvent.objects.filter(
            models.Q(before__icontains=email) | models.Q(after__icontains=email)):
        event.before = _replace_in(event.before, [email], placeholder)[:255]
        event.after = _replace_in(event.after, [email], placeholder)[:255]
        events.append(event)
    TicketEvent.objects.bulk_update(events, ["before", "after"], batch_size=500)


def _delete_sessions(customer: User) -> None:
    """Sessions are signed blobs keyed by nothing searchable: read the live ones in batches
    and delete the customer's through the session engine (the cache copy goes too)."""
    store_class = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    user_id = str(customer.pk)
    sessions = Session.objects.filter(expire_date__gt=timezone.now()).order_by("pk")
    last = ""
    while True:
        batch = list(sessions.filter(pk__gt=last)[:SESSION_BATCH])
        if not batch:
            return
        for session in batch:
            if str(session.get_decoded().get("_auth_user_id", "")) == user_id:
                store_class(session_key=session.session_key).delete()
        last = batch[-1].pk


def erase_customer(customer: User, *, by: User | None, request: HttpRequest | None = None
                   ) -> ErasureCounts:
    """Anonymise `customer` everywhere, log who did it, return what was touched."""
    if not customer.is_customer:
        raise ErasureRefused("Only customers can be erased.")
    with transaction.atomic():
        customer = User.objects.select_for_update().get(pk=customer.pk)
        email = customer.email
        needles = [text for text in (email, customer.full_name, customer.phone) if text]
        placeholder = placeholder_email(customer.pk)
        ticket_ids = list(Ticket.objects.filter(customer=customer).values_list("pk", flat=True))
        counts = erasure_preview(customer=customer)

        erasure_scrub.delete_exports(_exports_holding(customer))  # before the CCs go
        erasure_scrub.scrub_inbound(_inbound(customer))
        erasure_scrub.scrub_outbound(_outbound(customer))
        erasure_scrub.scrub_conversations(_chats(customer))
        erasure_scrub.scrub_messages(_messages_elsewhere(customer))
        TicketEvent.objects.filter(actor=customer, kind__in=erasure_scrub.TEXT_EVENT_KINDS
                                   ).exclude(ticket__customer=customer).update(before="", after="")
        erasure_scrub.anonymise_tickets(ticket_ids)
        _scrub_cc(customer)

        Vote.objects.filter(user=customer).update(comment="")
        Deflection.objects.filter(user=customer).update(subject="")
        AutoReply.objects.filter(address__iexact=email).update(address=placeholder)
        EmailAddressStatus.objects.filter(address__iexact=email).delete()
        EmailAddress.objects.filter(user=customer).delete()
        Authenticator.objects.filter(user=customer).delete()
        Token.objects.filter(user=customer).delete()
        _delete_sessions(customer)
        _scrub_audit(customer, needles, placeholder)
        erasure_scrub.scrub_admin_log(User, [customer.pk])

        with translation.override(settings.LANGUAGE_CODE):
            customer.full_name = _("Erased customer")
        customer.email = placeholder
        customer.phone = ""
        customer.is_active = False
        customer.set_unusable_password()
        customer.save(update_fields=["full_name", "email", "phone", "is_active",
                                     "password"])
        record(Action.ERASED, actor=by, request=request, target=f"user:{customer.pk}",
               **asdict(counts))
    return counts
