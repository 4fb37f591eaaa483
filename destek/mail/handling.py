"""What one parsed inbound email becomes: a new ticket, a reply, or an ignored message.

Order of questions: our own mail coming back? a bounce? who sent it (staff need their signed
token)? which ticket does it answer (only mail we sent or a signed reply token tell:
destek.mail.threading), and may this sender post there (the ticket's customer, one of its
CCs, or someone holding the customer's signed token)? Otherwise a new ticket, if the
mailbox's sender policy lets the sender in. Automatic replies are recorded on a ticket they
answer and otherwise dropped; they never open tickets and are never answered. Whether a
trusted receiving host authenticated the From address (destek.mail.authentication) is
stored on the message: the desk and the API show an unverified sender.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.core.sanitize import html_to_text
from destek.mail import authentication, outbound, policies, threading
from destek.mail.candidates import tickets_by_id
from destek.mail.content import Content, content_for, rewrite_inline_images
from destek.mail.models import AutoReplyKind, InboundEmail, InboundState, Mailbox, SenderPolicy
from destek.mail.parsing.types import ParsedEmail
from destek.notifications.reply_tokens import ReplyToken, base_address, find_token
from destek.tickets.intake import InboundMessage, IntakeResult, receive
from destek.tickets.models import Channel, Message, Status, Ticket

MAX_CC = 10


class ProcessingError(Exception):
    """The message cannot be filed; the text is shown to admins with the quarantined mail."""


@dataclass(frozen=True)
class Handled:
    state: InboundState
    note: str = ""
    ticket: Ticket | None = None
    message: Message | None = None
    created_ticket: bool = False


class Context:
    """What a batch of emails shares: the active mailboxes, and (after `prefetch`) the
    senders' accounts, the Message-IDs of ours the batch refers to and the tickets its headers
    point at, each read once per batch (the funnel locks and reads a ticket's row again
    before writing; only the relations it keeps come from here).

    Lookups that miss what was read ask the database again (an account may have appeared
    since), except for the emails we sent: a Message-ID of ours that an email in the batch
    quotes was committed before that email could be sent, received and claimed.
    """

    def __init__(self) -> None:
        self._mailboxes: dict[str, Mailbox] | None = None
        self._users: dict[str, User] = {}
        self._sent: dict[str, int | None] | None = None
        self._tickets: dict[int, Ticket] = {}

    @property
    def mailboxes(self) -> dict[str, Mailbox]:
        """Lower-cased address → active mailbox."""
        if self._mailboxes is None:
            self._mailboxes = {m.address.lower(): m for m in Mailbox.objects.filter(
                is_active=True).select_related("department")}
        return self._mailboxes

    def prefetch(self, mails: list[ParsedEmail]) -> None:
        """Three queries for the whole batch instead of three per email."""
        addresses = {m.from_address.strip().lower() for m in mails if m.from_address.strip()}
        if addresses:
            self._users = {u.email: u for u in User.objects.filter(email__in=addresses)}
        ids = list(dict.fromkeys(i for m in mails
                                 for i in (m.message_id, *threading.referenced_ids(m)) if i))
        self._sent = threading.outbound_tickets(ids)
        # A reply token (in a recipient address) is read by `handle`; its ticket, when not
        # among these, is read then.
        self._tickets = tickets_by_id([
            i for m in mails for i in _candidates(threading.referenced_ids(m), self._sent,
                                                  None)])

    def find_user(self, address: str) -> User | None:
        return self._users.get(address.strip().lower()) or policies.find_user(address)

    def tickets(self, ids: list[int]) -> list[Ticket]:
        """The existing tickets among `ids`, in that order, without repeats."""
        missing = [i for i in dict.fromkeys(ids) if i not in self._tickets]
        if missing:
            self._tickets.update(tickets_by_id(missing))
        return [self._tickets[i] for i in dict.fromkeys(ids) if i in self._tickets]

    def outbound_tickets(self, message_ids: list[str]) -> dict[str, int | None]:
        if self._sent is None:
            return threading.outbound_tickets(message_ids)
        return {i: self._sent[i] for i in message_ids if i in self._sent}


def _ignored(note: str) -> Handled:
    return Handled(state=InboundState.IGNORED, note=note[:255])


@dataclass(frozen=True)
class _Mail:
    """Everything about one inbound email the decisions below need."""

    row: InboundEmail
    parsed: ParsedEmail
    mailbox: Mailbox | None
    our_addresses: frozenset[str]
    sender: User | None
    token: ReplyToken | None
    verified: bool  # a trusted receiving host authenticated the From address

    @property
    def address(self) -> str:
        return self.parsed.from_address

    @property
    def external_id(self) -> str:
        """What the funnel deduplicates on: the Message-ID, unless an earlier, different
        message had it (then the Message-ID and this copy's fingerprint key, so the second
        message is filed and a reprocessed one still is not filed twice)."""
        message_id = self.parsed.message_id
        if not message_id:
            return self.row.dedupe_key[:255]
        if self.row.same_message_id_as_id is not None:
            return self.own_external_id
        return message_id[:255]

    @property
    def own_external_id(self) -> str:
        """The Message-ID and this row's key: an id no other message has."""
        key = self.row.dedupe_key
        return f"{self.parsed.message_id[:254 - len(key)]} {key}"


def handle(row: InboundEmail, parsed: ParsedEmail, context: Context | None = None) -> Handled:
    return _noting_sender_field(_handle(row, parsed, context), parsed)


def _noting_sender_field(handled: Handled, parsed: ParsedEmail) -> Handled:
    """Say where the sender came from when From: had no usable address (the parser fell back
    to Sender, Reply-To or Return-Path): an admin sees it in the inbound list."""
    if parsed.sender_field in ("", "from"):
        return handled
    field = {"sender": "Sender", "reply-to": "Reply-To",
             "return-path": "Return-Path"}.get(parsed.sender_field, parsed.sender_field)
    note = _("Sender taken from %(field)s: (From: had no usable address).") % {"field": field}
    return replace(handled, note=f"{handled.note} {note}".strip()[:255])


def _handle(row: InboundEmail, parsed: ParsedEmail, context: Context | None) -> Handled:
    context = context or Context()
    ids = threading.referenced_ids(parsed)
    sent = context.outbound_tickets([parsed.message_id, *ids])
    if threading.is_own_email(parsed, sent):
        return _ignored(_("Our own email came back to us."))
    if parsed.is_bounce:
        count = policies.mark_bouncing(addresses=parsed.bounced_recipients,
                                       reason=parsed.subject or "delivery failure")
        return _ignored(_("Delivery failure report; %(count)d address(es) marked as bouncing.")
                        % {"count": count})
    if "@" not in parsed.from_address:
        fallback = _fallback_sender(parsed)
        if not fallback:
            raise ProcessingError(_("The message has no usable sender address."))
        parsed = replace(parsed, from_address=fallback)
    mailbox, ours = _mailbox_for(row, parsed, context.mailboxes)
    if base_address(parsed.from_address) in ours:
        return _ignored(_("Sent from one of our own addresses (a mail loop)."))
    token = find_token([*parsed.to, *parsed.cc, *row.envelope_to,
                        parsed.headers.get("delivered-to", ""), *ids])
    mail = _Mail(row=row, parsed=parsed, mailbox=mailbox, our_addresses=ours,
                 sender=context.find_user(parsed.from_address), token=token,
                 verified=authentication.sender_verified(
                     from_address=parsed.from_address,
                     authentication_results=parsed.authentication_results,
                     arc_authentication_results=parsed.arc_authentication_results,
                     arc_seals=parsed.arc_seals))
    if mail.sender is not None and mail.sender.is_agent:
        return _from_staff(mail)
    candidates = _candidates(ids, sent, token)
    for ticket in context.tickets(candidates):
        allowed, author = _author_on(ticket, mail)
        if allowed:
            return _on_ticket(mail, ticket, author)
    if parsed.is_auto_reply:
        return _ignored(_("Automatic reply (%(reason)s) not about a ticket of the sender.")
                        % {"reason": parsed.auto_reply_reason or _("auto-reply")})
    return _new_ticket(mail)


def _receive(mail: _Mail, inbound: InboundMessage) -> IntakeResult:
    """The funnel, which deduplicates on the Message-ID. When it answers with the message of
    another inbound email (the Message-ID the parser read was used before, though the stored
    header did not say so), this is a different message: filed under its own id, and the
    earlier email noted as the one that used the Message-ID first."""
    result = receive(inbound)
    row = mail.row
    if (not result.duplicate or row.same_message_id_as_id is not None
            or not mail.parsed.message_id or result.message.pk == row.ticket_message_id):
        return result
    row.same_message_id_as_id = (InboundEmail.objects.filter(ticket_message=result.message)
                                 .exclude(pk=row.pk).order_by("pk")
                                 .values_list("pk", flat=True).first())
    return receive(replace(inbound, external_id=mail.own_external_id))


def _candidates(ids: list[str], sent: dict[str, int | None],
                token: ReplyToken | None) -> list[int]:
    """The ids of the tickets an email may answer, most specific first: the mail of ours its
    In-Reply-To and References name, its reply token. Never the subject's ticket token."""
    candidates = threading.ticket_from_headers(ids, sent)
    if token is not None and token.ticket_id not in candidates:
        candidates.append(token.ticket_id)
    return candidates


def _fallback_sender(parsed: ParsedEmail) -> str:
    """No usable From: the Sender, Reply-To or Return-Path address, in that order."""
    candidates = [parsed.headers.get("sender", ""), *parsed.reply_to,
                  parsed.headers.get("return-path", "")]
    for candidate in candidates:
        address = parseaddr(candidate)[1].strip().lower()
        if "@" in address and " " not in address:
            return address
    return ""


def _mailbox_for(row: InboundEmail, parsed: ParsedEmail, mailboxes: dict[str, Mailbox],
                 ) -> tuple[Mailbox | None, frozenset[str]]:
    """The mailbox the email was sent to (the door's, else the first recipient that is one of
    ours), and all our addresses (to spot loops and keep them out of CC lists)."""
    default_from = base_address(parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1])
    ours = frozenset([*mailboxes, default_from])
    if row.mailbox_id is not None and row.mailbox is not None:
        return row.mailbox, ours
    recipients = [*row.envelope_to, parsed.headers.get("delivered-to", ""), *parsed.to,
                  *parsed.cc]
    for recipient in recipients:
        mailbox = mailboxes.get(base_address(recipient))
        if mailbox is not None:
            return mailbox, ours
    return None, ours


def _author_on(ticket: Ticket, mail: _Mail) -> tuple[bool, User | None]:
    """(may this sender post on `ticket`, as whom). When not, a new ticket is opened instead,
    so a forged From never sees the ticket's history nor joins its CC list."""
    if mail.sender is not None and mail.sender.pk == ticket.customer_id:
        return True, mail.sender
    if mail.address in {a.lower() for a in ticket.cc_addresses or []}:
        return True, mail.sender  # a CC; the funnel creates their account when needed
    token = mail.token
    if token is not None and token.ticket_id == ticket.pk and token.user_id == ticket.customer_id:
        return True, ticket.customer  # whoever holds the customer's signed reply address
    return False, None


def _from_staff(mail: _Mail) -> Handled:
    agent, token = mail.sender, mail.token
    assert agent is not None
    if mail.parsed.is_auto_reply:
        return _ignored(_("Automatic reply from a staff address."))
    if token is None or token.user_id != agent.pk or not agent.is_active:
        return _ignored(_("Mail from a staff address without a valid reply token."))
    content = _content(mail)
    try:
        result = _receive(mail, InboundMessage(
            channel=Channel.EMAIL, author=agent, ticket_id=token.ticket_id,
            body_text=content.body_text, body_html=content.body_html,
            quoted_text=content.quoted_text, attachments=content.files,
            external_id=mail.external_id,
        ))
    except Ticket.DoesNotExist:
        return _ignored(_("The ticket of this reply no longer exists."))
    except ApplicationError as exc:  # e.g. an outsourced agent outside their departments
        return _ignored(_("Staff reply refused: %(error)s") % {"error": exc.message})
    return _filed(result, content)


def _on_ticket(mail: _Mail, ticket: Ticket, person: User | None) -> Handled:
    closed = ticket.status == Status.CLOSED and ticket.merged_into_id is None
    if closed and not mail.parsed.is_auto_reply and closed_reply_policy() == "follow_up":
        return _new_ticket(mail, follow_up_of=ticket, customer=person)
    content = _content(mail)
    result = _receive(mail, InboundMessage(
        channel=Channel.EMAIL, author=person, sender_email=mail.address,
        sender_name=mail.parsed.from_name, ticket_id=ticket.pk, ticket=ticket,
        body_text=content.body_text, body_html=content.body_html,
        quoted_text=content.quoted_text, attachments=content.files,
        external_id=mail.external_id, is_auto_reply=mail.parsed.is_auto_reply,
        sender_verified=mail.verified,
    ))
    return _filed(result, content)


def _service_clues(mail: _Mail, content: Content, customer: User | None,
                   follow_up_of: Ticket | None) -> dict[str, Any]:
    """Which service a new ticket is about: a follow-up's, else (for a known customer) a
    domain the subject or body names, else their only live service (the funnel matches)."""
    if follow_up_of is not None and follow_up_of.service_id is not None:
        return {"service_id": follow_up_of.service_id}
    if customer is None:
        return {}  # a new address: no services yet
    body = content.body_text or html_to_text(content.body_html)
    return {"service_hint": f"{mail.parsed.subject}\n{body}"}


def closed_reply_policy() -> str:
    value = str(getattr(settings, "DESTEK_MAIL_CLOSED_REPLY", "reopen"))
    return value if value in ("reopen", "follow_up") else "reopen"


def _new_ticket(mail: _Mail, *, follow_up_of: Ticket | None = None,
                customer: User | None = None) -> Handled:
    customer = customer or mail.sender
    if customer is None and follow_up_of is None:
        refused = _unknown_sender(mail)
        if refused is not None:
            return refused
    capped = policies.auto_reply_capped(address=mail.address)
    department = follow_up_of.department if follow_up_of else (
        mail.mailbox.department if mail.mailbox else None)
    content = _content(mail)
    subject = threading.clean_subject(mail.parsed.subject) or (
        follow_up_of.subject if follow_up_of else _("(no subject)"))
    claimed = threading.reference_in_subject(mail.parsed.subject)
    if follow_up_of is None and claimed:
        # It names a ticket it could not be threaded onto: say which, as a clue, not a link.
        subject = f"{subject} ({claimed})"
    result = _receive(mail, InboundMessage(
        channel=Channel.EMAIL, author=customer, sender_email=mail.address,
        sender_name=mail.parsed.from_name, subject=subject,
        department_id=department.pk if department is not None and department.is_public else None,
        body_text=content.body_text, body_html=content.body_html,
        quoted_text=content.quoted_text, attachments=content.files,
        external_id=mail.external_id, cc=_cc_for_new_ticket(mail),
        language=policies.guess_language(mail.parsed), suppress_notifications=capped,
        follow_up_of_id=follow_up_of.pk if follow_up_of else None,
        sender_verified=mail.verified, **_service_clues(mail, content, customer, follow_up_of),
    ))
    if result.created_ticket and not capped:
        policies.auto_reply_record(address=mail.address, kind=AutoReplyKind.ACKNOWLEDGEMENT,
                                   ticket_id=result.ticket.pk)
    handled = _filed(result, content)
    if capped:
        return Handled(state=handled.state, ticket=handled.ticket, message=handled.message,
                       created_ticket=handled.created_ticket,
                       note=_("Automatic-reply cap reached: no acknowledgement sent."))
    return handled


def _unknown_sender(mail: _Mail) -> Handled | None:
    """None when the mailbox lets unknown senders open tickets, else what became of the mail."""
    policy = mail.mailbox.sender_policy if mail.mailbox else SenderPolicy.ACCEPT
    if policy == SenderPolicy.KNOWN_ONLY:
        return _ignored(_("Unknown sender; this mailbox takes mail from known customers only."))
    if policy == SenderPolicy.REJECT:
        answered = outbound.send_rejection(parsed=mail.parsed, mailbox=mail.mailbox,
                                           language=policies.guess_language(mail.parsed))
        return _ignored(_("Unknown sender; answered with the rejection note.") if answered
                        else _("Unknown sender; already answered today."))
    return None


def _cc_for_new_ticket(mail: _Mail) -> tuple[str, ...]:
    """The people the sender copied (never our own addresses, never the sender)."""
    skip = {mail.address, *mail.our_addresses}
    copied = [a for a in (*mail.parsed.to, *mail.parsed.cc)
              if "@" in a and a not in skip and base_address(a) not in mail.our_addresses]
    return tuple(dict.fromkeys(copied))[:MAX_CC]


def _content(mail: _Mail) -> Content:
    fallback = mail.parsed.subject.strip() or _("(empty message)")
    return content_for(mail.parsed, fallback=fallback)


def _filed(result: IntakeResult, content: Content) -> Handled:
    rewrite_inline_images(message=result.message, content=content,
                          attachments=result.attachments)
    return Handled(state=InboundState.PROCESSED, ticket=result.ticket, message=result.message,
                   created_ticket=result.created_ticket,
                   note=_("New ticket.") if result.created_ticket else _("Reply."))

