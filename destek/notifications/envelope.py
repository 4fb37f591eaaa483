"""How Destek's outgoing email is addressed and threaded: Message-IDs, the per-ticket thread
id, the subject token, our origin header, the department's mailbox as sender, the signed
reply address. destek.mail reads the same ids back to thread replies (it may import this
module; this module never imports mail).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from destek.accounts.models import User
from destek.branding.brand import DEFAULT_NAME
from destek.branding.brand import for_email as current_brand
from destek.notifications.directory import SendingMailbox, mailbox_for_department
from destek.notifications.reply_tokens import address_with_token, make_token
from destek.tickets.models import Ticket

ORIGIN_HEADER = "X-Destek-Origin"


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the domain we send from (no DNS lookup)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "destek.localhost"


def new_message_id() -> str:
    return make_msgid(domain=message_id_domain())


THREAD_SALT = "destek.mail.thread-id"
_THREAD_ID = re.compile(r"^ticket-(\d{1,12})(?:\.([0-9a-f]{16}))?@(.+)$", re.IGNORECASE)


def _thread_mac(ticket_id: int, secret: str | bytes | None = None) -> str:
    return salted_hmac(THREAD_SALT, str(ticket_id), secret=secret,
                       algorithm="sha256").hexdigest()[:16]


def thread_id(ticket: Ticket) -> str:
    """`<ticket-42.<mac>@our domain>`: every notification about a ticket names it (the first
    one as its Message-ID), so mail clients group them. Signed, so that naming it in
    In-Reply-To proves having received one of them: it threads a reply onto the ticket,
    which a guessable id would let anyone do."""
    return f"<ticket-{ticket.pk}.{_thread_mac(ticket.pk)}@{message_id_domain()}>"


def parse_thread_id(message_id: str) -> tuple[int, bool] | None:
    """`ticket-42.<mac>@our domain` → (42, signed with a valid mac); None when the id is not
    one of our thread ids. Ids from before they were signed (`ticket-42@…`) read as unsigned.
    """
    match = _THREAD_ID.match(message_id.strip().strip("<>"))
    if match is None or match.group(3).lower() != message_id_domain():
        return None
    ticket_id, mac = int(match.group(1)), (match.group(2) or "").lower()
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    signed = bool(mac) and any(constant_time_compare(_thread_mac(ticket_id, secret), mac)
                               for secret in secrets)
    return ticket_id, signed


def instance_id() -> str:
    """Identifies this installation in the X-Destek-Origin header of everything it sends."""
    configured = str(getattr(settings, "DESTEK_INSTANCE_ID", "") or "")
    # The salt keeps its historical name: changing it would change every installation's id.
    return configured or salted_hmac("destek.mail.origin", "instance").hexdigest()[:16]


def origin_headers() -> dict[str, str]:
    return {ORIGIN_HEADER: instance_id()}


def sender_name(configured: str) -> str:
    """The From display name: the mailbox's or DEFAULT_FROM_EMAIL's own, unless that is
    none or the stock "Destek", where the brand's name (Settings → Branding) stands."""
    brand = current_brand()
    if brand.custom_name and configured.strip() in ("", DEFAULT_NAME):
        return brand.custom_name
    return configured


def from_header(mailbox: SendingMailbox | None) -> str:
    default_name, default_address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))
    if mailbox is None:
        name = sender_name(default_name)
        if name == default_name:
            return str(settings.DEFAULT_FROM_EMAIL)
        return formataddr((name, default_address))
    return formataddr((sender_name(mailbox.from_name or default_name), mailbox.address))


def reply_address(*, mailbox: SendingMailbox | None, fallback: str, ticket_id: int,
                  user_id: int) -> str:
    """Where replies go: the mailbox's address with the recipient's signed token."""
    base = mailbox.address if mailbox else (fallback or parseaddr(
        str(settings.DEFAULT_FROM_EMAIL))[1])
    if not base:
        return ""
    if not getattr(settings, "DESTEK_MAIL_REPLY_TOKENS", True):
        return base
    return address_with_token(base, make_token(ticket_id=ticket_id, user_id=user_id))


def subject_with_token(subject: str, reference: str) -> str:
    """Make sure the subject carries `[#T-100042]`, whatever an edited template says."""
    token = f"[#{reference}]"
    if token in subject:
        return subject
    if f"[{reference}]" in subject:
        return subject.replace(f"[{reference}]", token, 1)
    return f"{subject} {token}".strip()


def notification_message_id(*, ticket_id: int, recipient_id: int, is_thread_root: bool) -> str:
    """The Message-ID of a ticket notification, or "" when the default one will do (the
    thread root's is the ticket's thread id; without reply tokens, any unique id).

    The outbox fixes it when the notification is written, before it is rendered, so a
    reply can be threaded by it as soon as the email exists."""
    if is_thread_root or not getattr(settings, "DESTEK_MAIL_REPLY_TOKENS", True):
        return ""
    # Replies quote this id in In-Reply-To: the token survives clients that drop Reply-To.
    token = make_token(ticket_id=ticket_id, user_id=recipient_id)
    return f"<{token}.{uuid.uuid4().hex[:16]}@{message_id_domain()}>"


@dataclass(frozen=True)
class Envelope:
    """How a ticket email is addressed: the department's mailbox, the recipient's signed reply
    address, our origin header, and the mailbox's signature for customers."""

    from_email: str
    reply_to: list[str]
    headers: dict[str, str]
    signature: str


def notification_envelope(*, ticket: Ticket, recipient: User, fallback_reply_to: list[str],
                          is_thread_root: bool) -> Envelope:
    mailbox = mailbox_for_department(ticket.department_id)
    fallback = fallback_reply_to[0] if fallback_reply_to else ""
    reply_to = reply_address(mailbox=mailbox, fallback=fallback, ticket_id=ticket.pk,
                             user_id=recipient.pk)
    headers = origin_headers()
    message_id = notification_message_id(ticket_id=ticket.pk, recipient_id=recipient.pk,
                                         is_thread_root=is_thread_root)
    if message_id:
        headers["Message-ID"] = message_id
    signature = mailbox.signature.strip() if mailbox and not recipient.is_agent else ""
    return Envelope(from_email=from_header(mailbox), reply_to=[reply_to] if reply_to else [],
                    headers=headers, signature=signature)
