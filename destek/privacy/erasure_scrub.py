"""The pieces erasure and the retention rules share: scrubbing tickets, chats and emails.

Each piece takes a queryset (or ids), rewrites or deletes the rows in a few bulk statements,
and deletes stored files only once the transaction has committed (a rolled-back erasure keeps
its files). Each returns how many rows it touched, so callers can report counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from destek.livechat.models import ChatAttachment, ChatMessage, Conversation
from destek.mail.models import InboundEmail, InboundState
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.privacy.export_models import ExportJob
from destek.tickets.models import (
    Attachment,
    EventKind,
    Message,
    Ticket,
    TicketEvent,
    TicketLink,
)

# Ticket events whose before/after hold what people wrote (an excerpt of a reply or note,
# subjects, CC addresses).
TEXT_EVENT_KINDS = (EventKind.REPLIED, EventKind.NOTE, EventKind.SUBJECT, EventKind.CC)


def erased_subject() -> str:
    """The subject an anonymised ticket gets, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased")


def erased_subjects() -> list[str]:
    """The erased subject in every language: how an already anonymised ticket is recognised."""
    subjects = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            subjects.append(_("Erased"))
    return sorted(set(subjects))


def erased_body() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("This content was erased.")


def _delete_files_on_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if not names:
        return

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


def delete_ticket_attachments(attachments: QuerySet[Attachment]) -> int:
    """Delete attachment rows and (after commit) their stored files."""
    names = list(attachments.values_list("file", flat=True))
    if not names:
        return 0
    attachments.delete()
    _delete_files_on_commit(names)
    return len(names)


def delete_exports(jobs: QuerySet[ExportJob]) -> int:
    """A customer's data exports: the rows and (after commit) their ZIP files."""
    names = list(jobs.values_list("file", flat=True))
    count = jobs.delete()[0]
    _delete_files_on_commit(names)
    return count


def delete_chat_attachments(attachments: QuerySet[ChatAttachment]) -> int:
    rows = list(attachments.values_list("pk", "file"))
    if not rows:
        return 0
    ChatAttachment.objects.filter(pk__in=[pk for pk, _name in rows]).delete()
    _delete_files_on_commit(name for _pk, name in rows)
    return len(rows)


def scrub_messages(messages: QuerySet[Message]) -> int:
    """Replace the bodies (and quoted history) of messages; their attachments go (the
    excerpts their ticket events recorded are the caller's: TEXT_EVENT_KINDS)."""
    body = erased_body()
    delete_ticket_attachments(Attachment.objects.filter(message__in=messages.values("pk")))
    return messages.update(body_text=body, body_html=f"<p>{escape(body)}</p>", quoted_text="")


def scrub_conversations(conversations: QuerySet[Conversation]) -> int:
    """A chat keeps its row (statistics: when, which department, which agent, how long) but
    loses what the visitor said and who they said they were, and its files."""
    ids = list(conversations.values_list("pk", flat=True))
    if not ids:
        return 0
    delete_chat_attachments(ChatAttachment.objects.filter(conversation_id__in=ids))
    ChatMessage.objects.filter(conversation_id__in=ids).update(body="")
    return Conversation.objects.filter(pk__in=ids).update(
        visitor_name="", visitor_email="", topic="", page_url="")


def scrub_inbound(emails: QuerySet[InboundEmail]) -> int:
    """Raw bytes and what was read from them go; the row stays as a tombstone so the same
    message fetched again is still recognised as a duplicate and not filed anew."""
    ids = list(emails.values_list("pk", flat=True))
    if not ids:
        return 0
    InboundEmail.objects.filter(pk__in=ids, state__in=(
        InboundState.PENDING, InboundState.QUARANTINED)).update(state=InboundState.IGNORED)
    return InboundEmail.objects.filter(pk__in=ids).update(
        raw=b"", from_address="", subject="", envelope_to=[], error="", note="erased")


def scrub_outbound(emails: QuerySet[OutboundEmail]) -> int:
    """What was sent (or was about to be) goes; an undelivered email is never sent."""
    ids = list(emails.values_list("pk", flat=True))
    if not ids:
        return 0
    OutboundEmail.objects.filter(pk__in=ids).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.FAILED, last_error="erased")
    updated = OutboundEmail.objects.filter(pk__in=ids).update(
        recipients=[], subject="", body_text="", body_html="", headers={}, raw_message=b"",
        payload={}, idempotency_key="")
    directory = Path(settings.DESTEK_SENT_MAIL_DIR)

    def delete_copies() -> None:  # the file transport's copies (the default without SMTP)
        for pk in ids:
            (directory / f"{pk}.eml").unlink(missing_ok=True)

    transaction.on_commit(delete_copies)
    return updated


def scrub_admin_log(model: type[models.Model], ids: Iterable[object]) -> int:
    """The admin site's change history names the objects it changed (`object_repr`)."""
    keys = [str(pk) for pk in ids]
    if not keys:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=keys).update(
        object_repr=erased_subject(), change_message="")


def anonymise_tickets(ticket_ids: list[int]) -> dict[str, int]:
    """Tickets keep their rows, dates, statuses, people and counters (reports and SLA figures
    do not move) but lose their subjects, message texts, attachments, CC addresses, the raw
    and sent emails about them and the chats they came from."""
    if not ticket_ids:
        return {"tickets": 0, "messages": 0, "attachments": 0, "chats": 0,
                "inbound_emails": 0, "outbound_emails": 0}
    attachments = delete_ticket_attachments(Attachment.objects.filter(ticket_id__in=ticket_ids))
    messages = scrub_messages(Message.objects.filter(ticket_id__in=ticket_ids))
    TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=TEXT_EVENT_KINDS).update(
        before="", after="")
    # A related-ticket link's note is free text (kept in the LINKED events' `before` too).
    TicketLink.objects.filter(
        models.Q(lower_id__in=ticket_ids) | models.Q(higher_id__in=ticket_ids)).update(note="")
    TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind=EventKind.LINKED).update(before="")
    inbound = scrub_inbound(InboundEmail.objects.filter(
        models.Q(ticket_id__in=ticket_ids) | models.Q(ticket_message__ticket_id__in=ticket_ids)))
    outbound = scrub_outbound(OutboundEmail.objects.filter(ticket_id__in=ticket_ids))
    chats = scrub_conversations(Conversation.objects.filter(ticket_id__in=ticket_ids))
    tickets = Ticket.objects.filter(pk__in=ticket_ids).update(
        subject=erased_subject(), cc_addresses=[])
    scrub_admin_log(Ticket, ticket_ids)
    return {"tickets": tickets, "messages": messages, "attachments": attachments,
            "chats": chats, "inbound_emails": inbound, "outbound_emails": outbound}
