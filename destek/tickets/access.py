"""The only way server code obtains a ticket, message or attachment on behalf of someone.

A customer asking for another customer's object and an outsourced agent asking outside their
departments get NotFound, never PermissionDenied: the object's existence is not revealed.

A customer sees their own tickets; the people of a reseller organization also see their end
customers' (`destek.accounts.resellers`, one level deep). Every door (portal pages and
downloads, the API and its search, the funnel's reply check) asks `ticket_scope`.
"""

from __future__ import annotations

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from destek.accounts.models import Role, User
from destek.accounts.resellers import customer_filter, manages_customer
from destek.accounts.scope import in_scope, is_department_limited, member_department_ids
from destek.core.errors import NotFound
from destek.tickets.models import Attachment, CannedResponse, Message, Ticket

GUEST_LINK_SALT = "destek.tickets.guest-link"
GUEST_LINK_MAX_AGE = 60 * 60 * 24 * 90


def ticket_scope(actor: User) -> Q:
    """The tickets `actor` may see, as a filter."""
    if actor.is_authenticated and actor.is_active and actor.role == Role.CUSTOMER:
        # Their own tickets, and a reseller's people their end customers' too.
        return customer_filter(actor)
    return in_scope(actor)


def customer_may_post(*, person: User, ticket: Ticket) -> bool:
    """Whether a customer may write on `ticket` as its customer side: its own customer, or one
    of a reseller's people for an end customer's ticket (the funnel's reply check)."""
    return manages_customer(person=person, customer_id=ticket.customer_id)


def tickets_visible_to(actor: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_scope(actor))


def access_ticket_by_id(*, actor: User, ticket_id: int | str, for_update: bool = False,
                        related: tuple[str, ...] = ()) -> Ticket:
    """The ticket `actor` may see, with its department, customer (and organization) and
    assignee; `related` names more relations to read in the same query (e.g. the desk's
    `sla`, its SLA row)."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        raise NotFound(_("Ticket not found.")) from None
    # The customer's organization too: the desk's customer card and the API name it.
    qs = tickets_visible_to(actor).select_related("department", "customer__organization",
                                                  "assignee", *related)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    ticket = qs.filter(pk=pk).first()
    if ticket is None:
        raise NotFound(_("Ticket not found."))
    return ticket


def messages_visible_to(actor: User | None) -> Q:
    """Customers and guests never see internal notes."""
    if actor is not None and actor.is_authenticated and actor.is_agent:
        return Q()
    return Q(is_internal=False)


def access_message_by_id(*, actor: User, message_id: int | str) -> Message:
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise NotFound(_("Message not found.")) from None
    message = (
        Message.objects.filter(messages_visible_to(actor), pk=pk,
                               ticket__in=tickets_visible_to(actor))
        .select_related("ticket").first()
    )
    if message is None:
        raise NotFound(_("Message not found."))
    return message


def access_attachment_by_id(*, actor: User, attachment_id: int | str) -> Attachment:
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("Attachment not found.")) from None
    is_staff = actor.is_authenticated and actor.is_agent
    note_filter = Q() if is_staff else Q(message__is_internal=False)
    attachment = Attachment.objects.filter(
        note_filter, pk=pk, ticket__in=tickets_visible_to(actor)
    ).first()
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


# --- guests: a signed link from a ticket email opens that one ticket without a password -------

def guest_token_for(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "c": ticket.customer_id}, salt=GUEST_LINK_SALT,
                         compress=True)


def access_ticket_by_guest_token(*, token: str, for_update: bool = False) -> Ticket:
    try:
        data = signing.loads(token, salt=GUEST_LINK_SALT, max_age=GUEST_LINK_MAX_AGE)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    qs = Ticket.objects.select_related("department", "customer", "assignee")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    ticket = qs.filter(pk=data.get("t"), customer_id=data.get("c")).first()
    if ticket is None:
        raise NotFound(_("This link is invalid or has expired."))
    return ticket


def access_attachment_by_guest_token(*, token: str, attachment_id: int | str) -> Attachment:
    ticket = access_ticket_by_guest_token(token=token)
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("Attachment not found.")) from None
    attachment = Attachment.objects.filter(pk=pk, ticket=ticket, message__is_internal=False).first()
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


# --- canned responses: shared ones for every agent, personal ones for their owner only --------

def canned_responses_visible_to(actor: User) -> QuerySet[CannedResponse]:
    """Their own personal ones and the shared ones; an outsourced agent sees only the shared
    ones of their departments and of every department."""
    if not actor.is_agent:
        return CannedResponse.objects.none()
    shared = Q(owner__isnull=True)
    if is_department_limited(actor):
        shared &= Q(department__isnull=True) | Q(department__in=member_department_ids(actor))
    return CannedResponse.objects.filter(shared | Q(owner_id=actor.pk))


def may_manage_canned_response(actor: User, canned: CannedResponse) -> bool:
    """Personal ones: their owner; shared ones: supervisors and administrators."""
    if canned.owner_id is not None:
        return canned.owner_id == actor.pk
    return actor.may_configure


def access_canned_response_by_id(*, actor: User, canned_id: int | str,
                                 to_manage: bool = False) -> CannedResponse:
    """A canned response `actor` may insert (or, with `to_manage`, change or delete)."""
    try:
        pk = int(canned_id)
    except (TypeError, ValueError):
        raise NotFound(_("Canned response not found.")) from None
    found = canned_responses_visible_to(actor).select_related("department").filter(pk=pk).first()
    if found is None or (to_manage and not may_manage_canned_response(actor, found)):
        raise NotFound(_("Canned response not found."))
    return found
