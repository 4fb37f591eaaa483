"""THE intake funnel: every channel opens tickets and adds messages through `receive`.

One transaction: deduplicate on (channel, external id), resolve the customer, thread the
message onto its ticket (or open one), store attachments, write audit events, route, and
publish domain events (the outbox rows commit with the change; pushes run on commit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.emails import normalized_email
from destek.accounts.models import Department, Role, User
from destek.accounts.scope import is_department_limited
from destek.core import bus
from destek.core.errors import ApplicationError
from destek.core.sanitize import html_to_text, sanitize_html, text_to_html
from destek.hosting.matching import match_service
from destek.hosting.models import Service
from destek.hosting.selectors import is_service_of, service_of, services_to_match
from destek.tickets import domain_events, events
from destek.tickets.access import customer_may_post, tickets_visible_to
from destek.tickets.models import (
    WAITING_STATUSES,
    Attachment,
    AuthorKind,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
)
from destek.tickets.services.routing import pick_assignee, route_new_ticket
from destek.tickets.services.status import (
    apply_waiting,
    stamp_status_times,
    status_after_message,
)
from destek.tickets.uploads import InboundFile, validate_files

MAX_SUBJECT = 250
MAX_BODY_CHARS = 200_000


@dataclass(frozen=True)
class InboundMessage:
    """What a channel adapter hands to the funnel, transport details already removed."""

    channel: Channel
    body_text: str = ""
    body_html: str = ""  # untrusted; sanitized here
    subject: str = ""
    author: User | None = None  # an authenticated person (customer or agent)
    sender_email: str = ""  # channels that only know an address (email, chat pre-form)
    sender_name: str = ""
    customer: User | None = None  # when an agent opens a ticket on a customer's behalf
    ticket_id: int | None = None  # a reply to this ticket (access already checked)
    department_id: int | None = None
    priority: int | None = None
    is_internal: bool = False
    new_status: str | None = None  # an agent may set the status with a reply
    waiting_for: str | None = None  # ... and what a pending/on-hold ticket waits for
    waiting_note: str | None = None
    external_id: str = ""
    attachments: tuple[InboundFile, ...] = ()
    cc: tuple[str, ...] = ()
    language: str = ""
    quoted_text: str = ""  # email: quoted history and signature, kept but shown collapsed
    # An automatic reply (out of office…): recorded, never answered, never reopens a ticket.
    is_auto_reply: bool = False
    suppress_notifications: bool = False  # e.g. an auto-reply cap was reached
    follow_up_of_id: int | None = None  # a new ticket continuing a closed one
    # False when the channel could not authenticate the sender it names (email without a
    # trusted passing DMARC/SPF/DKIM result, a chat offline message typed in someone's name):
    # the message is stored and shown with an "Unverified sender" badge. Agents always are.
    sender_verified: bool = True
    # The reply's ticket as the channel read it in this transaction: the funnel then locks
    # and re-reads only its row, keeping the relations the channel loaded.
    ticket: Ticket | None = None
    # The hosting service a new ticket is about (a reply never changes it): an id the door
    # checked, or the row it read for that (`service`, no query here). The ticket gets it only
    # when it is its customer's or their organization's; anyone else's id is ignored.
    service_id: int | None = None
    service: Service | None = None
    # Email: text that may name a service's domain (subject and body); with no service given,
    # the funnel matches it against the customer's services (`hosting.matching`).
    service_hint: str = ""
    # An internal note written by Destek itself (a trigger's or an automation's note): no
    # author, AuthorKind.SYSTEM; `author` and `sender_email` are ignored.
    from_system: bool = False


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    message: Message
    created_ticket: bool
    duplicate: bool = False
    attachments: list[Attachment] = field(default_factory=list)


def receive(inbound: InboundMessage) -> IntakeResult:
    """Open a ticket or add a message to one; idempotent on (channel, external_id)."""
    if inbound.external_id:
        duplicate = _find_duplicate(inbound)
        if duplicate:
            return duplicate
    files = validate_files(list(inbound.attachments))
    body_html, body_text = _bodies(inbound)
    if not body_text and not files:
        raise ApplicationError(_("The message is empty."), field="body")
    try:
        with transaction.atomic():
            return _receive(inbound, body_html, body_text, files)
    except IntegrityError:
        # Another request stored the same external id between our check and our insert.
        duplicate = _find_duplicate(inbound) if inbound.external_id else None
        if duplicate is None:
            raise
        return duplicate


def _find_duplicate(inbound: InboundMessage) -> IntakeResult | None:
    # Checked before every email and chat message and almost never found: the id alone, by
    # one indexed lookup (uniq_message_channel_external_id), without Message's default
    # ordering; the message and its ticket are read only for a duplicate.
    found = list(Message.objects.filter(
        channel=inbound.channel, external_id=inbound.external_id[:255],
    ).order_by().values_list("pk", flat=True)[:1])
    if not found:
        return None
    message = Message.objects.select_related("ticket").get(pk=found[0])
    return IntakeResult(ticket=message.ticket, message=message, created_ticket=False,
                        duplicate=True)


def _bodies(inbound: InboundMessage) -> tuple[str, str]:
    if inbound.body_html.strip():
        clean = sanitize_html(inbound.body_html[:MAX_BODY_CHARS])
        return clean, html_to_text(clean)
    text = inbound.body_text.strip()[:MAX_BODY_CHARS]
    return text_to_html(text), text


def _receive(inbound: InboundMessage, body_html: str, body_text: str,
             files: list[InboundFile]) -> IntakeResult:
    now = timezone.now()
    author = inbound.author if inbound.author and inbound.author.is_authenticated else None
    if inbound.ticket_id is None:
        if inbound.from_system:
            raise ApplicationError(_("Ticket not found."), field="ticket")
        return _open_ticket(inbound, author, body_html, body_text, files, now)
    return _add_message(inbound, author, body_html, body_text, files, now)


def resolve_customer(*, email: str, name: str = "", language: str = "") -> User:
    """The customer behind an address, created on first contact."""
    address = normalized_email(email)
    if not address or "@" not in address:
        raise ApplicationError(_("A valid email address is required."), field="email")
    customer, _created = User.objects.get_or_create(
        email=address,
        defaults={"full_name": name[:200], "role": Role.CUSTOMER,
                  "language": language if language in ("en", "tr") else "en",
                  "password": make_password(None)},  # unusable: written with the row
    )
    return customer


def _customer_for_new_ticket(inbound: InboundMessage, author: User | None) -> User:
    if author is not None and author.is_agent:
        if inbound.customer is not None:
            return inbound.customer
        if inbound.sender_email:
            return resolve_customer(email=inbound.sender_email, name=inbound.sender_name)
        raise ApplicationError(_("Choose the customer this ticket is for."), field="customer")
    if author is not None:
        return author
    return resolve_customer(email=inbound.sender_email, name=inbound.sender_name,
                            language=inbound.language)


def _open_ticket(inbound: InboundMessage, author: User | None, body_html: str, body_text: str,
                 files: list[InboundFile], now: datetime) -> IntakeResult:
    subject = " ".join(inbound.subject.split())[:MAX_SUBJECT]
    if not subject:
        raise ApplicationError(_("A subject is required."), field="subject")
    priority = inbound.priority if inbound.priority is not None else Priority.NORMAL
    if priority not in Priority.values:
        raise ApplicationError(_("Choose a valid priority."), field="priority")
    by_agent = author is not None and author.is_agent
    customer = _customer_for_new_ticket(inbound, author)
    if not customer.is_customer:
        raise ApplicationError(_("Tickets are opened for customers."), field="customer")
    # Before routing, which may match on the service's kind, plan or server.
    service = _service_for(inbound, customer)
    # The department: an agent's choice, else a dedicated team, a routing rule, the
    # customer's choice or the default (destek.tickets.services.routing).
    route = route_new_ticket(customer=customer, channel=inbound.channel,
                             department_id=inbound.department_id, priority=priority,
                             by_agent=by_agent, service=service)
    department, priority = route.department, route.priority
    # Routing picks before the INSERT, so the ticket is written once, already assigned.
    assignee = pick_assignee(department=department)
    ticket = Ticket(
        subject=subject, department=department, priority=priority, status=Status.NEW,
        channel=inbound.channel, customer=customer, cc_addresses=list(inbound.cc),
        follow_up_of_id=inbound.follow_up_of_id, assignee=assignee, service=service,
        created_at=now, updated_at=now, message_count=1,
        last_customer_message_at=None if by_agent else now,
        last_agent_message_at=now if by_agent else None,
    )
    ticket.save(force_insert=True)
    message = Message(
        ticket=ticket, author=author or customer,
        author_kind=AuthorKind.AGENT if by_agent else AuthorKind.CUSTOMER,
        is_internal=False, body_html=body_html, body_text=body_text, channel=inbound.channel,
        external_id=inbound.external_id[:255], quoted_text=inbound.quoted_text[:MAX_BODY_CHARS],
        sender_verified=by_agent or inbound.sender_verified, created_at=now,
    )
    message.save(force_insert=True)
    attachments = _store_attachments(ticket, message, files)
    audit = [events.build(ticket=ticket, actor=author or customer, kind=EventKind.CREATED,
                          after=Channel(ticket.channel).label, at=now)]
    if assignee is not None:
        audit.append(events.build(ticket=ticket, actor=None, kind=EventKind.ASSIGNEE,
                                  before="", after=assignee.display_name, at=now))
    events.record_many(audit)
    if assignee is not None:
        bus.publish(domain_events.TicketAssigned(ticket=ticket, assignee=assignee, actor=None,
                                                 audit_event_id=audit[-1].pk,
                                                 latest_message=message))
    bus.publish(domain_events.TicketOpened(ticket=ticket, message=message, actor=author,
                                           quiet=inbound.suppress_notifications))
    return IntakeResult(ticket=ticket, message=message, created_ticket=True,
                        attachments=attachments)


def open_split_ticket(*, actor: User, source: Ticket, subject: str, department: Department,
                      now: datetime) -> Ticket:
    """The ticket an agent splits messages of `source` into, opened by the funnel's rules for
    a new ticket: a subject, the same customer, channel, service and CC, its priority, an
    assignee (the original's in the same department, else routing's pick) and its audit
    events. The messages are moved in by tickets.split, as a merge moves them, in
    the same transaction (the caller's: it has locked `source` and checked access)."""
    clean = " ".join(subject.split())[:MAX_SUBJECT]
    if not clean:
        raise ApplicationError(_("A subject is required."), field="subject")
    same_department = department.pk == source.department_id
    assignee = source.assignee if same_department else pick_assignee(department=department)
    ticket = Ticket(
        subject=clean, department=department, priority=source.priority, status=Status.NEW,
        channel=source.channel, customer=source.customer, cc_addresses=list(source.cc_addresses),
        service_id=source.service_id, assignee=assignee, created_at=now, updated_at=now,
        message_count=0,
    )
    ticket.save(force_insert=True)
    audit = [events.build(ticket=ticket, actor=actor, kind=EventKind.CREATED,
                          after=Channel.DESK.label, at=now)]
    if assignee is not None:
        audit.append(events.build(ticket=ticket, actor=None if not same_department else actor,
                                  kind=EventKind.ASSIGNEE, before="",
                                  after=assignee.display_name, at=now))
    events.record_many(audit)
    return ticket


def _service_for(inbound: InboundMessage, customer: User) -> Service | None:
    """The service a new ticket is about, if it is the customer's: no query for a row the
    door read or when none is named, one otherwise."""
    if inbound.service is not None:
        return inbound.service if is_service_of(service=inbound.service,
                                                customer=customer) else None
    if inbound.service_id is not None:
        try:
            service_id = int(inbound.service_id)
        except (TypeError, ValueError):
            return None
        return service_of(customer=customer, service_id=service_id)
    if inbound.service_hint:
        return match_service(text=inbound.service_hint,
                             services=services_to_match(customer=customer))
    return None


MAX_MERGE_HOPS = 5


_KEPT_RELATIONS = ("department", "customer", "assignee")


def _lock_known_ticket(known: Ticket) -> Ticket:
    """The row of a ticket the channel already read, locked and read again (it may have
    changed since); the relations the channel loaded are kept while the row still points at
    them."""
    ticket = Ticket.objects.select_for_update().get(pk=known.pk)
    for name in _KEPT_RELATIONS:
        relation = getattr(Ticket, name).field
        if relation.is_cached(known) and getattr(ticket, relation.attname) == getattr(
                known, relation.attname):
            relation.set_cached_value(ticket, relation.get_cached_value(known))
    return ticket


def _lock_live_ticket(ticket_id: int, known: Ticket | None = None) -> Ticket:
    """The ticket a reply belongs to: a merged ticket's replies go to the one it was merged
    into (and on, should that one have been merged too)."""
    if known is not None and known.pk == ticket_id:
        ticket = _lock_known_ticket(known)
        if ticket.merged_into_id is None:
            return ticket
        ticket_id = ticket.merged_into_id
    for _hop in range(MAX_MERGE_HOPS):
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("department", "customer", "assignee")
            .get(pk=ticket_id)
        )
        if ticket.merged_into_id is None:
            return ticket
        ticket_id = ticket.merged_into_id
    return ticket


def _add_message(inbound: InboundMessage, author: User | None, body_html: str, body_text: str,
                 files: list[InboundFile], now: datetime) -> IntakeResult:
    ticket = _lock_live_ticket(int(inbound.ticket_id or 0), inbound.ticket)
    if inbound.from_system:
        return _add_system_note(inbound, ticket, body_html, body_text, now)
    if author is None:
        author = resolve_customer(email=inbound.sender_email, name=inbound.sender_name)
    by_agent = author.is_agent
    if is_department_limited(author) and not tickets_visible_to(author).filter(
        pk=ticket.pk
    ).exists():
        # Channels check access before calling; this keeps a slip from leaking a department.
        raise ApplicationError(_("Ticket not found."), field="ticket")
    if inbound.is_internal and not by_agent:
        raise ApplicationError(_("Only agents can write internal notes."), field="is_internal")
    if not by_agent and author.pk != ticket.customer_id and not _is_cc(ticket, author) \
            and not customer_may_post(person=author, ticket=ticket):  # a reseller's people
        raise ApplicationError(_("Only the ticket's customer can reply."), field="author")
    auto_reply = inbound.is_auto_reply and not by_agent
    message = Message(
        ticket=ticket, author=author,
        author_kind=AuthorKind.AGENT if by_agent else AuthorKind.CUSTOMER,
        is_internal=inbound.is_internal, body_html=body_html, body_text=body_text,
        channel=inbound.channel, external_id=inbound.external_id[:255],
        quoted_text=inbound.quoted_text[:MAX_BODY_CHARS], is_auto_reply=auto_reply,
        sender_verified=by_agent or inbound.sender_verified, created_at=now,
    )
    message.save(force_insert=True)
    attachments = _store_attachments(ticket, message, files)
    old_status = ticket.status
    changed = ["updated_at", "status"]
    ticket.updated_at = now
    if inbound.is_internal:
        kind = EventKind.NOTE
    else:
        kind = EventKind.REPLIED
        changed.append("message_count")
        # The row is locked (_lock_live_ticket), so the count read with it is current.
        ticket.message_count += 1
        if by_agent:
            ticket.last_agent_message_at = now
            changed.append("last_agent_message_at")
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                changed.append("first_response_at")
            ticket.status = status_after_message(ticket.status, by_agent=True)
        elif not auto_reply:  # an out-of-office neither reopens nor restarts the SLA clock
            ticket.last_customer_message_at = now
            changed.append("last_customer_message_at")
            ticket.status = status_after_message(ticket.status, by_agent=False)
    if inbound.new_status and by_agent:
        if inbound.new_status not in Status.values:
            raise ApplicationError(_("Choose a valid status."), field="status")
        ticket.status = Status(inbound.new_status)
        if ticket.status in WAITING_STATUSES:
            apply_waiting(ticket, inbound.waiting_for, inbound.waiting_note, changed)
    stamp_status_times(ticket, old_status, now, changed)
    ticket.save(update_fields=changed)
    events.record(ticket=ticket, actor=author, kind=kind, after=body_text[:120])
    if ticket.status != old_status:
        events.record(ticket=ticket, actor=author, kind=EventKind.STATUS, before=old_status,
                      after=ticket.status)
    bus.publish(domain_events.MessagePosted(
        ticket=ticket, message=message, actor=author,
        quiet=inbound.suppress_notifications or auto_reply, previous_status=old_status,
    ))
    return IntakeResult(ticket=ticket, message=message, created_ticket=False,
                        attachments=attachments)


def _add_system_note(inbound: InboundMessage, ticket: Ticket, body_html: str, body_text: str,
                     now: datetime) -> IntakeResult:
    """Destek's own internal note: shown to agents as written by the system, never to the
    customer; it changes nothing but the ticket's last activity."""
    if not inbound.is_internal:
        raise ApplicationError(_("Only internal notes can be written by the system."),
                               field="is_internal")
    message = Message(
        ticket=ticket, author=None, author_kind=AuthorKind.SYSTEM, is_internal=True,
        body_html=body_html, body_text=body_text, channel=inbound.channel,
        external_id=inbound.external_id[:255], created_at=now,
    )
    message.save(force_insert=True)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    events.record(ticket=ticket, actor=None, kind=EventKind.NOTE, after=body_text[:120])
    bus.publish(domain_events.MessagePosted(ticket=ticket, message=message, actor=None,
                                            quiet=inbound.suppress_notifications,
                                            previous_status=ticket.status))
    return IntakeResult(ticket=ticket, message=message, created_ticket=False)


def _is_cc(ticket: Ticket, person: User) -> bool:
    """People the customer copied on the ticket may answer on it too."""
    address = person.email.lower()
    return bool(address) and address in {a.lower() for a in ticket.cc_addresses or []}


def _store_attachments(ticket: Ticket, message: Message,
                       files: list[InboundFile]) -> list[Attachment]:
    stored = []
    for f in files:
        attachment = Attachment(ticket=ticket, message=message, original_name=f.name,
                                content_type=f.content_type, size=f.size)
        attachment.file.save(f.name, ContentFile(f.content), save=False)
        stored.append(attachment)
    if stored:
        # Files written before a rollback are orphaned, never referenced: a sweep can remove them.
        Attachment.objects.bulk_create(stored)
    return stored
