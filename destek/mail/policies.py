"""Who may write to us, how often we answer automatically, and which addresses bounce."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.mail.models import AutoReply, AutoReplyKind, EmailAddressStatus
from destek.mail.parsing.types import ParsedAttachment, ParsedEmail
from destek.tickets.activecontent import active_content
from destek.tickets.uploads import InboundFile, validate_files

CAP_WINDOW = timedelta(hours=1)
_TURKISH_LETTERS = re.compile("[ğĞşŞıİ]")
_TURKISH_WORDS = re.compile(r"\b(merhaba|teşekkür|teşekkürler|iyi günler|sunucu|sitem|"
                            r"alan adı|fatura|yardım|lütfen|selam)\b", re.IGNORECASE)
_TURKISH_CHARSETS = ("iso-8859-9", "windows-1254", "cp1254", "latin5")


def find_user(address: str) -> User | None:
    """The account behind an address; addresses are stored lower-cased, so the unique index
    answers, and a case-insensitive scan runs only for senders we do not know."""
    address = address.strip().lower()
    if not address:
        return None
    user = User.objects.filter(email=address).first()
    if user is None:
        user = User.objects.filter(email__iexact=address).first()
    return user


def guess_language(parsed: ParsedEmail) -> str:
    """'tr' for Turkish mail (charset, Content-Language or the text itself), else ''."""
    content_language = parsed.headers.get("content-language", "").lower()
    if content_language.startswith("tr"):
        return "tr"
    content_type = parsed.headers.get("content-type", "").lower()
    if any(charset in content_type for charset in _TURKISH_CHARSETS):
        return "tr"
    sample = f"{parsed.subject}\n{parsed.text[:2000]}"
    if _TURKISH_LETTERS.search(sample) or _TURKISH_WORDS.search(sample):
        return "tr"
    return ""


@dataclass(frozen=True)
class PartVerdict:
    """What becomes of one attachment of a parsed email."""

    index: int  # its position in ParsedEmail.attachments (the admin download asks for it)
    attachment: ParsedAttachment
    kept: bool
    note: str = ""  # what was not stored and why; "" when kept or silently dropped


def attachment_verdicts(parsed: ParsedEmail) -> list[PartVerdict]:
    """The one upload policy (destek.tickets.uploads) applied to an email's attachments, real
    attachments before inline decoration when there are too many. Notes are written in the
    mail's language, the one its ticket is filed in."""
    attachments = parsed.attachments
    order = sorted(range(len(attachments)), key=lambda i: attachments[i].inline)
    limit = int(settings.DESTEK_ATTACHMENT_MAX_COUNT)
    verdicts: list[PartVerdict] = []
    kept = 0
    with translation.override(guess_language(parsed) or settings.LANGUAGE_CODE):
        for index in order:
            attachment = attachments[index]
            note = _part_refusal(attachment, room=kept < limit)
            if note is None:
                kept += 1
            verdicts.append(PartVerdict(index=index, attachment=attachment, kept=note is None,
                                        note=note or ""))
    return verdicts


def _part_refusal(attachment: ParsedAttachment, *, room: bool) -> str | None:
    """None when the attachment is stored, else the note that replaces it ("" for nothing)."""
    name = attachment.filename
    refusal = active_content(name=name, declared=attachment.content_type,
                             content=attachment.content)
    if refusal is not None:
        return _("%(name)s was not stored: %(reason)s An administrator can download it from "
                 "the received email.") % {"name": name, "reason": refusal.reason()}
    if not room:
        return _("%(name)s was not stored: too many attachments.") % {"name": name}
    try:
        validate_files([InboundFile(name=name, content=attachment.content,
                                    content_type=attachment.content_type)])
    except ApplicationError as exc:
        return "" if attachment.inline and not attachment.content else exc.message
    return None


class _Batch:
    """What a batch of inbound email knows about its senders' addresses (see `batch_cache`)."""

    def __init__(self) -> None:
        self.bouncing: dict[str, bool] = {}  # address → bouncing, for addresses read
        self.auto_replies: dict[str, int] = {}  # address → automatic emails in the window


_batch: ContextVar[_Batch | None] = ContextVar("mail_policies_batch", default=None)


@contextmanager
def batch_cache(addresses: Iterable[str]) -> Iterator[None]:
    """Within a batch (one transaction), read the bouncing flags and automatic-reply counts
    of these addresses once, and keep them current as the batch writes; other addresses are
    asked for as before. Another worker's writes meanwhile are not seen, as they were not
    between a COUNT and its INSERT before."""
    batch = _Batch()
    wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if "@" in a))
    if wanted:
        batch.bouncing = dict.fromkeys(wanted, False)
        batch.bouncing.update(dict.fromkeys(EmailAddressStatus.objects.filter(
            address__in=wanted, bouncing=True).values_list("address", flat=True), True))
        batch.auto_replies = dict.fromkeys(wanted, 0)
        since = timezone.now() - CAP_WINDOW
        batch.auto_replies.update(
            AutoReply.objects.filter(address__in=wanted, created_at__gte=since)
            .values_list("address").annotate(n=Count("pk")).values_list("address", "n"))
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)


def _cap(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def auto_reply_capped(*, address: str, ticket_id: int | None = None) -> bool:
    """Too many automatic emails to this address or about this ticket in the last hour: an
    auto-responder that sets no headers would otherwise play ping-pong with us."""
    since = timezone.now() - CAP_WINDOW
    per_address = _cap("DESTEK_MAIL_AUTO_REPLY_CAP_PER_ADDRESS", 5)
    batch = _batch.get()
    if batch is not None and address in batch.auto_replies:
        sent = batch.auto_replies[address]
    else:
        sent = AutoReply.objects.filter(address=address, created_at__gte=since).count()
    if sent >= per_address:
        return True
    if ticket_id is None:
        return False
    per_ticket = _cap("DESTEK_MAIL_AUTO_REPLY_CAP_PER_TICKET", 5)
    return AutoReply.objects.filter(ticket_id=ticket_id,
                                    created_at__gte=since).count() >= per_ticket


def auto_reply_record(*, address: str, kind: AutoReplyKind, ticket_id: int | None = None) -> None:
    AutoReply.objects.create(address=address, kind=kind, ticket_id=ticket_id)
    batch = _batch.get()
    if batch is not None and address in batch.auto_replies:
        batch.auto_replies[address] += 1


def mark_bouncing(*, addresses: tuple[str, ...], reason: str) -> int:
    """Remember that mail to these addresses fails; notifications then skip them."""
    now = timezone.now()
    marked = 0
    for address in dict.fromkeys(a.strip().lower() for a in addresses if "@" in a):
        status, created = EmailAddressStatus.objects.get_or_create(
            address=address[:320],
            defaults={"bouncing": True, "bounce_count": 1, "last_bounce_at": now,
                      "last_bounce_reason": reason[:255]},
        )
        if not created:
            EmailAddressStatus.objects.filter(pk=status.pk).update(
                bouncing=True, bounce_count=F("bounce_count") + 1, last_bounce_at=now,
                last_bounce_reason=reason[:255],
            )
        marked += 1
        batch = _batch.get()
        if batch is not None:
            batch.bouncing[address[:320]] = True
    return marked


def bouncing_addresses(addresses: list[str]) -> set[str]:
    """The ones among `addresses` that bounce (lower-cased)."""
    wanted = [a.strip().lower() for a in addresses if a]
    if not wanted:
        return set()
    batch = _batch.get()
    if batch is not None and all(a in batch.bouncing for a in wanted):
        return {a for a in wanted if batch.bouncing[a]}
    return set(EmailAddressStatus.objects.filter(address__in=wanted, bouncing=True)
               .order_by().values_list("address", flat=True))
