"""The recovery loop: a bad rating or a complaint opens (or reopens) a recovery ticket for
the team's supervisor on a 1-hour first-response clock, or is dismissed with a logged
reason; the customer is at risk until it is resolved, then asked again.

The recovery ticket is the customer's own conversation with the supervisor: it is opened
through the funnel in the customer's name, carrying their rating and comment (their words),
so it shows in their portal and the supervisor's reply reaches them like any other. Opened
by the customer, its first-response clock runs (an agent-opened ticket counts as answered).
It is opened at critical priority with the tag "recovery": the shipped "Critical" SLA policy
gives it the 1-hour first-response deadline, shown on the SLA panel like any other
(docs/feedback.md). Nothing is dropped: every bad or complaint rating gets a Recovery row,
which ends resolved (the ticket was resolved) or dismissed with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from destek.accounts.models import Department, Role, User
from destek.audit.log import record as audit_record
from destek.audit.models import Action
from destek.core.errors import ApplicationError, NotFound, PermissionDenied
from destek.feedback.models import Complaint, Rating, Recovery, RecoveryState
from destek.notifications.compose import Notice
from destek.notifications.notify import notify
from destek.tickets.domain_events import MessagePosted, TicketUpdated
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import DONE_STATUSES, OPEN_STATUSES, Channel, Priority, Ticket
from destek.tickets.services.changes import ticket_update

RECOVERY_TAG = "recovery"
COMPLAINT_TAG = "complaint"
REASK_KEY = "feedback_reask"


def supervisor_for(department: Department | None) -> User | None:
    """Who owns a recovery or a complaint: the department's supervisor, else any active
    supervisor, else an administrator (None when there is no staff at all)."""
    lead = department.supervisor if department is not None else None
    if lead is not None and lead.is_active and lead.role in (Role.SUPERVISOR, Role.ADMIN):
        return lead
    for role in (Role.SUPERVISOR, Role.ADMIN):
        found = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        if found is not None:
            return found
    return None


def _original(rating: Rating) -> tuple[Ticket | None, Department | None, str]:
    """The rated ticket (None for a chat), its department and its subject."""
    if rating.ticket_id is not None:
        ticket = rating.ticket
        assert ticket is not None
        return ticket, ticket.department, ticket.subject
    conversation = rating.conversation
    department_id = getattr(conversation, "department_id", None)
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    return None, department, _("chat of %(date)s") % {
        "date": timezone.localtime(rating.created_at).strftime("%Y-%m-%d")}


def _customer_of(rating: Rating) -> User | None:
    if rating.customer_id is not None:
        return rating.customer
    if rating.ticket_id is not None and rating.ticket is not None:
        return rating.ticket.customer
    return None


def _rating_text(rating: Rating, reference: str) -> str:
    lines = [_("My rating of %(what)s: %(score)s out of 5.") % {"what": reference,
                                                                 "score": rating.score}]
    if rating.is_complaint:
        lines.append(_("I want this treated as a complaint."))
    if rating.comment.strip():
        lines += ["", rating.comment.strip()]
    return "\n".join(lines)


def open_feedback_ticket(*, customer: User, owner: User | None,
                         department: Department | None, subject: str, body: str,
                         tags: list[str], priority: int) -> Ticket:
    """A ticket in the customer's name through the funnel, assigned to `owner`, tagged."""
    public = department is not None and department.is_public
    result = receive(InboundMessage(
        channel=Channel.PORTAL, author=customer, subject=subject, body_text=body,
        department_id=department.pk if public and department else None, priority=priority,
        language=customer.language, suppress_notifications=True))
    ticket = result.ticket
    if owner is not None:
        ticket = ticket_update(actor=owner, ticket=ticket, assignee=owner, tags=tags)
    return ticket


def _note(ticket: Ticket, author: User | None, text: str) -> None:
    """An internal note on the recovery ticket (its history), by staff."""
    if author is None or not author.is_agent:
        return
    receive(InboundMessage(channel=Channel.DESK, author=author, ticket_id=ticket.pk,
                           is_internal=True, body_text=text))


def rating_recorded(rating: Rating, *, created: bool) -> None:
    """Called by the rating service, in its transaction, after every save of a rating
    (new or changed): a bad or complaint rating opens its recovery, or reopens a closed one;
    a rating turned good leaves an open one open, with a note. Idempotent."""
    wants = rating.is_bad or rating.is_complaint
    with transaction.atomic():
        recovery = Recovery.objects.select_for_update().filter(rating=rating).first()
        if recovery is None:
            if wants:
                _recovery_open(rating)
            return
        if recovery.state == RecoveryState.OPEN:
            if not wants and recovery.ticket is not None:
                _note(recovery.ticket, recovery.owner,
                      _("The customer changed their rating to %(score)s out of 5; the "
                        "recovery stays open until it is resolved or dismissed.")
                      % {"score": rating.score})
            _complaint_from_rating(rating, recovery)
            return
        if wants and not created:
            _recovery_reopen(rating, recovery)


def _recovery_open(rating: Rating) -> Recovery:
    original, department, subject = _original(rating)
    customer = _customer_of(rating)
    owner = supervisor_for(department)
    recovery = Recovery(rating=rating, customer=customer, owner=owner,
                        state=RecoveryState.OPEN, opened_at=timezone.now())
    if customer is not None and customer.is_customer:
        reference = original.reference if original is not None else subject
        with translation.override(customer.language or "en"):
            title = _("Recovery: %(subject)s") % {"subject": subject}
            body = _rating_text(rating, reference)
        tags = [RECOVERY_TAG, COMPLAINT_TAG] if rating.is_complaint else [RECOVERY_TAG]
        recovery.ticket = open_feedback_ticket(
            customer=customer, owner=owner, department=department, subject=title, body=body,
            tags=tags, priority=Priority.CRITICAL)
    recovery.save(force_insert=True)
    _complaint_from_rating(rating, recovery)
    return recovery


def _recovery_reopen(rating: Rating, recovery: Recovery) -> None:
    """Bad again after being recovered or dismissed: the same recovery and ticket reopen
    (the customer's new words reopen the ticket and restart its clock)."""
    recovery.state = RecoveryState.OPEN
    recovery.closed_at = None
    recovery.dismissed_by = None
    recovery.dismiss_reason = ""
    recovery.reasked_at = None
    recovery.save(update_fields=["state", "closed_at", "dismissed_by", "dismiss_reason",
                                 "reasked_at"])
    ticket = recovery.ticket
    customer = _customer_of(rating)
    if ticket is not None and customer is not None:
        with translation.override(customer.language or "en"):
            body = _rating_text(rating, ticket.reference)
        receive(InboundMessage(channel=Channel.PORTAL, author=customer, ticket_id=ticket.pk,
                               body_text=body, suppress_notifications=True))
    _complaint_from_rating(rating, recovery)


def _complaint_from_rating(rating: Rating, recovery: Recovery) -> None:
    if not rating.is_complaint or recovery.ticket is None:
        return
    if Complaint.objects.filter(Q(rating=rating) | Q(ticket=recovery.ticket)).exists():
        return
    Complaint.objects.create(ticket=recovery.ticket, customer=recovery.customer,
                             owner=recovery.owner, rating=rating)


def may_dismiss(actor: User) -> bool:
    return actor.is_authenticated and actor.is_active and actor.role in (Role.SUPERVISOR,
                                                                        Role.ADMIN)


def recovery_dismiss(*, actor: User, recovery_id: int, reason: str) -> Recovery:
    """A supervisor's or administrator's explicit "no recovery needed", with its reason:
    in the audit log and on the recovery ticket's history."""
    if not may_dismiss(actor):
        raise PermissionDenied(_("Only supervisors and administrators can dismiss a recovery."))
    clean = reason.strip()
    if not clean:
        raise ApplicationError(_("Say why this recovery is dismissed."), field="reason")
    with transaction.atomic():
        recovery = Recovery.objects.select_for_update().filter(pk=recovery_id).first()
        if recovery is None:
            raise NotFound(_("Recovery not found."))
        if recovery.state != RecoveryState.OPEN:
            raise ApplicationError(_("This recovery is not open."), field="reason")
        recovery.state = RecoveryState.DISMISSED
        recovery.dismissed_by = actor
        recovery.dismiss_reason = clean[:2000]
        recovery.closed_at = timezone.now()
        recovery.save(update_fields=["state", "dismissed_by", "dismiss_reason", "closed_at"])
        audit_record(Action.RECOVERY_DISMISSED, actor=actor, target=f"recovery:{recovery.pk}",
                     ticket_id=recovery.ticket_id, reason=recovery.dismiss_reason)
        if recovery.ticket is not None:
            _note(recovery.ticket, actor,
                  _("Recovery dismissed: %(reason)s") % {"reason": recovery.dismiss_reason})
    return recovery


# Closing the loop (destek.wiring): the recovery ticket resolved → recovered, asked again.

def on_ticket_updated(event: TicketUpdated) -> None:
    if "status" in event.fields:
        _maybe_recovered(event.ticket, event.previous_status)


def on_message_posted(event: MessagePosted) -> None:
    if event.previous_status and event.previous_status != event.ticket.status:
        _maybe_recovered(event.ticket, event.previous_status)


def _maybe_recovered(ticket: Ticket, previous_status: str) -> None:
    if ticket.status not in DONE_STATUSES or previous_status not in OPEN_STATUSES:
        return
    recovery = (Recovery.objects.select_for_update()
                .filter(ticket=ticket, state=RecoveryState.OPEN).first())
    if recovery is None:
        return
    now = timezone.now()
    recovery.state = RecoveryState.RESOLVED
    recovery.closed_at = now
    fields = ["state", "closed_at"]
    if _reask(recovery, ticket):
        recovery.reasked_at = now
        fields.append("reasked_at")
    recovery.save(update_fields=fields)


def _portal_url(ticket: Ticket) -> str:
    return f"{settings.BASE_URL.rstrip('/')}/portal/tickets/{ticket.pk}/"


def _reask(recovery: Recovery, recovery_ticket: Ticket) -> bool:
    """"How did we do now?": one email per recovery, linking to the rated ticket's portal
    page (where its rating can be changed); a chat's recovery links its recovery ticket."""
    customer = recovery.customer
    if customer is None or not customer.is_active or not customer.email:
        return False
    rating = recovery.rating
    original = rating.ticket if rating is not None and rating.ticket_id else None
    target = original or recovery_ticket
    sent = notify(
        notice=Notice(key=REASK_KEY, recipient=customer, ticket=target,
                      url=_portal_url(target)),
        idempotency_key=f"feedback-reask-{recovery.pk}")
    return sent is not None
