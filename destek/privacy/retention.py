"""Retention rules: what is older than its configured age is purged (raw inbound emails,
ticket attachments) or anonymised (chat transcripts, closed tickets).

Work goes in batches of `BATCH` rows, each in its own short transaction, walked by primary
key: no statement deletes or rewrites an unbounded number of rows, so no lock is held on a
large table for long, and a run interrupted half-way simply continues at the next one.
Anonymising reuses erasure's pieces (destek.privacy.erasure_scrub), so "anonymised" means
the same thing for one erased customer and for an old closed ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.audit.log import Action, record
from destek.livechat.models import ChatAttachment, ChatMessage, Conversation, ConversationState
from destek.mail.models import InboundEmail, InboundState
from destek.privacy import erasure_scrub
from destek.privacy.retention_models import RetentionPolicy
from destek.tickets.models import Attachment, Status, Ticket

BATCH = 500
SETTING_FIELDS = ("raw_email_days", "attachment_days", "chat_days", "closed_ticket_days")


@dataclass(frozen=True)
class RetentionCounts:
    raw_emails: int = 0
    attachments: int = 0
    chats: int = 0
    closed_tickets: int = 0

    @property
    def total(self) -> int:
        return self.raw_emails + self.attachments + self.chats + self.closed_tickets


def kind_labels(counts: RetentionCounts) -> list[tuple[str, int]]:
    """(label, count) per kind, in the order the rules are listed, for pages and commands."""
    return [(_("Raw inbound emails"), counts.raw_emails),
            (_("Ticket attachments"), counts.attachments),
            (_("Chat transcripts"), counts.chats),
            (_("Closed tickets to anonymise"), counts.closed_tickets)]


def retention_policy_get() -> RetentionPolicy:
    """The one row of rules (created empty, i.e. keep everything, on first use)."""
    policy, _created = RetentionPolicy.objects.get_or_create(pk=RetentionPolicy.SINGLETON_ID)
    return policy


def retention_policy_update(*, actor: User, request: HttpRequest | None = None,
                            **ages: int | None) -> RetentionPolicy:
    """Change the ages (days, None = keep forever) and record the change in the audit log."""
    policy = retention_policy_get()
    before = {field: getattr(policy, field) for field in SETTING_FIELDS}
    after = {field: ages.get(field, before[field]) for field in SETTING_FIELDS}
    if after == before:
        return policy
    for field, value in after.items():
        setattr(policy, field, value)
    policy.updated_at = timezone.now()
    policy.save(update_fields=[*SETTING_FIELDS, "updated_at"])
    record(Action.SETTINGS_CHANGED, actor=actor, request=request, target="setting:retention",
           before=before, after=after)
    return policy


def _cutoff(days: int | None, now: datetime) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def raw_emails_due(cutoff: datetime) -> QuerySet[InboundEmail]:
    """Stored raw messages older than the cutoff; those still waiting to be read are kept."""
    return InboundEmail.objects.filter(received_at__lt=cutoff).exclude(
        state=InboundState.PENDING)


def attachments_due(cutoff: datetime) -> QuerySet[Attachment]:
    return Attachment.objects.filter(created_at__lt=cutoff)


def chats_due(cutoff: datetime) -> QuerySet[Conversation]:
    """Ended chats older than the cutoff that still hold a transcript or who the visitor was."""
    texts = ChatMessage.objects.filter(conversation=OuterRef("pk")).exclude(body="")
    files = ChatAttachment.objects.filter(conversation=OuterRef("pk"))
    return Conversation.objects.filter(state=ConversationState.ENDED, ended_at__lt=cutoff).filter(
        models.Q(visitor_name__gt="") | models.Q(visitor_email__gt="") | models.Q(topic__gt="")
        | Exists(texts) | Exists(files))


def closed_tickets_due(cutoff: datetime) -> QuerySet[Ticket]:
    """Closed before the cutoff and not anonymised yet."""
    return Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff).exclude(
        subject__in=erasure_scrub.erased_subjects())


def _in_batches(queryset: QuerySet[models.Model], handle: Callable[[list[int]], object]) -> int:
    done, last = 0, 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return done
        with transaction.atomic():
            handle(ids)
        done += len(ids)
        last = ids[-1]


def _delete_raw(ids: list[int]) -> None:
    InboundEmail.objects.filter(pk__in=ids).delete()


def _delete_attachments(ids: list[int]) -> None:
    erasure_scrub.delete_ticket_attachments(Attachment.objects.filter(pk__in=ids))


def _scrub_chats(ids: list[int]) -> None:
    erasure_scrub.scrub_conversations(Conversation.objects.filter(pk__in=ids))


def _anonymise(ids: list[int]) -> None:
    erasure_scrub.anonymise_tickets(ids)


def apply_retention(policy: RetentionPolicy, *, dry_run: bool,
                    now: datetime | None = None) -> RetentionCounts:
    """Apply the rules (or, with `dry_run`, only count what they would remove)."""
    now = now or timezone.now()
    kinds: list[tuple[str, int | None, Callable[[datetime], QuerySet], Callable]] = [
        ("raw_emails", policy.raw_email_days, raw_emails_due, _delete_raw),
        ("attachments", policy.attachment_days, attachments_due, _delete_attachments),
        ("chats", policy.chat_days, chats_due, _scrub_chats),
        ("closed_tickets", policy.closed_ticket_days, closed_tickets_due, _anonymise),
    ]
    counts: dict[str, int] = {}
    for kind, days, due, handle in kinds:
        cutoff = _cutoff(days, now)
        if cutoff is None:
            counts[kind] = 0
        elif dry_run:
            counts[kind] = due(cutoff).count()
        else:
            counts[kind] = _in_batches(due(cutoff), handle)
    result = RetentionCounts(**counts)
    if not dry_run:
        RetentionPolicy.objects.filter(pk=policy.pk).update(last_run_at=now)
        record(Action.RETENTION_RUN, target="setting:retention", **asdict(result))
    return result
