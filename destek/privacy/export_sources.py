"""What an export contains: one source per kind of data Destek holds about a customer.

Each source says how many steps it will take (for the progress bar) and writes its part of
the archive. A new kind of data (call logs, issue 18; satisfaction ratings, issue 21) adds
its source to EXPORT_SOURCES; nothing else changes. Every source reads in a bounded number of
queries per chunk of rows (prefetching), whatever the number of tickets or chats.

Left out on purpose: internal agent notes (on tickets and in chats) and the tickets' tags,
assignees and routing history, which are the company's working notes about the request, not
data the customer gave or received.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from allauth.account.models import EmailAddress
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.livechat.models import ChatMessage, Conversation, Side
from destek.privacy.export_writer import ExportWriter
from destek.tickets.models import (
    Attachment,
    AuthorKind,
    EventKind,
    Message,
    Priority,
    Ticket,
    TicketEvent,
    format_reference,
)

Step = Callable[[int], None]  # "n more steps are done"
CHUNK_ROWS = 200

# Ticket history the customer took part in or was told about; not the desk's internal work.
CUSTOMER_EVENTS = (EventKind.CREATED, EventKind.REPLIED, EventKind.STATUS, EventKind.PRIORITY,
                   EventKind.DEPARTMENT, EventKind.SUBJECT, EventKind.CC, EventKind.MERGED,
                   EventKind.MERGED_OUT, EventKind.MERGED_IN, EventKind.SPLIT_OUT,
                   EventKind.SPLIT_IN)


class ExportSource(Protocol):
    name: str  # its file in the archive, without .json

    def count(self, *, customer: User) -> int:
        """How many steps `write` will report."""

    def write(self, *, customer: User, writer: ExportWriter, step: Step) -> None:
        """Its JSON (and files) into the archive, one `step(1)` per record."""


def person_label(person: User | None, *, customer: User) -> str:
    """Names as the portal shows them: the customer's own, agents by name (never their
    address), the support team when there is no one."""
    if person is None:
        return _("Support team")
    if person.pk == customer.pk or not person.is_agent:
        return person.display_name
    return person.full_name or _("Support team")


class ProfileSource:
    name = "profile"

    def count(self, *, customer: User) -> int:
        return 1

    def write(self, *, customer: User, writer: ExportWriter, step: Step) -> None:
        addresses = EmailAddress.objects.filter(user=customer).order_by("-primary", "email")
        organization = customer.organization
        writer.document("profile.json", {
            "account": {
                "id": customer.pk,
                "email": customer.email,
                "full_name": customer.full_name,
                "phone": customer.phone,
                "language": customer.language,
                "role": customer.role,
                "active": customer.is_active,
                "date_joined": customer.date_joined,
                "last_login": customer.last_login,
            },
            "organization": {"name": organization.name} if organization else None,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in addresses
            ],
        })
        step(1)


def _file_record(path: str | None, *, name: str, content_type: str, size: int) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name, "content_type": content_type, "size": size}
    if path is None:
        record["missing"] = True  # the stored file is gone; the record says so
    else:
        record["path"] = path
    return record


class TicketSource:
    name = "tickets"

    def tickets(self, customer: User) -> Any:
        attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        messages = Prefetch(
            "messages",
            queryset=Message.objects.filter(is_internal=False).select_related("author")
            .prefetch_related(attachments).order_by("created_at", "pk"),
        )
        events = Prefetch(
            "events",
            queryset=TicketEvent.objects.filter(kind__in=CUSTOMER_EVENTS)
            .select_related("actor").order_by("created_at", "pk"),
        )
        return (Ticket.objects.filter(customer=customer).select_related("department")
                .prefetch_related(messages, events).order_by("pk"))

    def count(self, *, customer: User) -> int:
        return Ticket.objects.filter(customer=customer).count()

    def write(self, *, customer: User, writer: ExportWriter, step: Step) -> None:
        with writer.records("tickets.json") as records:
            for ticket in self.tickets(customer).iterator(chunk_size=CHUNK_ROWS):
                records.add(self.record(ticket, customer=customer, writer=writer))
                step(1)

    def record(self, ticket: Ticket, *, customer: User, writer: ExportWriter) -> dict[str, Any]:
        folder = f"attachments/{ticket.reference}"
        messages = []
        for message in ticket.messages.all():
            files = [
                _file_record(writer.file(folder, a.original_name, a.file, a.size),
                             name=a.original_name, content_type=a.content_type, size=a.size)
                for a in message.attachments.all()
            ]
            messages.append({
                "id": message.pk,
                "created_at": message.created_at,
                "from": message.author_kind,
                "author": (person_label(message.author, customer=customer)
                           if message.author_kind != AuthorKind.SYSTEM else _("Support team")),
                "channel": message.channel,
                "text": message.body_text,
                "html": message.body_html,
                "quoted_text": message.quoted_text,
                "automatic_reply": message.is_auto_reply,
                "attachments": files,
            })
        return {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": Priority(ticket.priority).name.lower(),
            "channel": ticket.channel,
            "department": ticket.department.name,
            "cc": list(ticket.cc_addresses),
            "merged_into": format_reference(ticket.merged_into_id) if ticket.merged_into_id
            else None,
            "follow_up_of": format_reference(ticket.follow_up_of_id) if ticket.follow_up_of_id
            else None,
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
            "resolved_at": ticket.resolved_at,
            "closed_at": ticket.closed_at,
            "messages": messages,
            "events": [
                {"at": e.created_at, "kind": e.kind, "before": e.before, "after": e.after,
                 "by": person_label(e.actor, customer=customer) if e.actor_id else None}
                for e in ticket.events.all()
            ],
        }


class ChatSource:
    name = "chats"

    def chats(self, customer: User) -> Any:
        messages = Prefetch(
            "messages",
            queryset=ChatMessage.objects.filter(is_internal=False)
            .select_related("author", "attachment").order_by("seq"),
        )
        return (Conversation.objects.filter(customer=customer).select_related("department")
                .prefetch_related(messages).order_by("pk"))

    def count(self, *, customer: User) -> int:
        return Conversation.objects.filter(customer=customer).count()

    def write(self, *, customer: User, writer: ExportWriter, step: Step) -> None:
        with writer.records("chats.json") as records:
            for chat in self.chats(customer).iterator(chunk_size=CHUNK_ROWS):
                records.add(self.record(chat, customer=customer, writer=writer))
                step(1)

    def record(self, chat: Conversation, *, customer: User,
               writer: ExportWriter) -> dict[str, Any]:
        folder = f"chat-attachments/{chat.public_id}"
        messages = []
        for m in chat.messages.all():
            attachment = m.attachment
            messages.append({
                "seq": m.seq,
                "at": m.created_at,
                "from": m.side,
                "author": (customer.display_name if m.side == Side.VISITOR
                           else person_label(m.author, customer=customer)),
                "text": m.body,
                "attachment": None if attachment is None else _file_record(
                    writer.file(folder, attachment.original_name, attachment.file,
                                attachment.size),
                    name=attachment.original_name, content_type=attachment.content_type,
                    size=attachment.size),
            })
        return {
            "id": str(chat.public_id),
            "started_at": chat.created_at,
            "ended_at": chat.ended_at,
            "state": chat.state,
            "name": chat.visitor_name,
            "email": chat.visitor_email,
            "topic": chat.topic,
            "language": chat.language,
            "page_url": chat.page_url,
            "department": chat.department.name,
            "ticket": format_reference(chat.ticket_id) if chat.ticket_id else None,
            "messages": messages,
        }


# The order of the archive and of the progress bar. Call logs (issue 18) and satisfaction
# ratings (issue 21) add their sources here when their models exist.
EXPORT_SOURCES: tuple[ExportSource, ...] = (ProfileSource(), TicketSource(), ChatSource())
