"""Complaints a customer files from the portal: a ticket through the funnel in their name,
tagged "complaint", at critical priority (the shipped "Critical" SLA policy: resolution
within 24 hours), owned by the team's supervisor; and the shared "Complaints" view of the
desk queue (the tag's filter). Complaints chosen in a rating come through recovery.py."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.feedback.models import Complaint
from destek.feedback.recovery import COMPLAINT_TAG, open_feedback_ticket, supervisor_for
from destek.queues.models import SavedView
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import Priority, Ticket

SUBJECT_MAX = 200
DESCRIPTION_MAX = 10_000
COMPLAINTS_VIEW_NAME = gettext_lazy("Complaints")
COMPLAINTS_VIEW_QUERY = f"tag={COMPLAINT_TAG}"


def complaint_file(*, customer: User, subject: str, description: str,
                   related_ticket_id: int | None = None) -> Complaint:
    """File a complaint; `related_ticket_id` must be one of the customer's own tickets
    (anyone else's is NotFound, as through every door)."""
    if not customer.is_authenticated or not customer.is_customer:
        raise ApplicationError(_("Only customers can file a complaint."), field="subject")
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    description = description.strip()[:DESCRIPTION_MAX]
    if not subject:
        raise ApplicationError(_("A subject is required."), field="subject")
    if not description:
        raise ApplicationError(_("Describe your complaint."), field="description")
    related: Ticket | None = None
    if related_ticket_id is not None:
        related = access_ticket_by_id(actor=customer, ticket_id=related_ticket_id)
    department = related.department if related is not None else None
    owner = supervisor_for(department)
    body = description
    if related is not None:
        body = _("About my ticket %(reference)s (%(subject)s):") % {
            "reference": related.reference, "subject": related.subject} + "\n\n" + description
    with transaction.atomic():
        ticket = open_feedback_ticket(customer=customer, owner=owner, department=department,
                              subject=_("Complaint: %(subject)s") % {"subject": subject},
                              body=body, tags=[COMPLAINT_TAG], priority=Priority.CRITICAL)
        complaint = Complaint.objects.create(ticket=ticket, customer=customer, owner=owner)
        if owner is not None:
            ensure_complaints_view(owner)
    return complaint


def ensure_complaints_view(owner: User) -> None:
    """The shared "Complaints" tab of the desk queue, made once (by the first complaint's
    owner: a saved view needs one)."""
    if SavedView.objects.filter(shared=True, query=COMPLAINTS_VIEW_QUERY).exists():
        return
    SavedView.objects.get_or_create(owner=owner, name=str(COMPLAINTS_VIEW_NAME),
                                    defaults={"query": COMPLAINTS_VIEW_QUERY, "shared": True})
