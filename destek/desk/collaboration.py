"""What the ticket page shows of its followers, related tickets and the split form (typed
rows for desk/_collaboration.html): two queries, followers and links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from destek.accounts.models import User
from destek.desk.choices import DepartmentOption
from destek.desk.collab_forms import LinkForm, SplitForm
from destek.desk.formatting import id_url
from destek.tickets.models import Status, Ticket
from destek.tickets.selectors import linked_tickets, ticket_followers
from destek.tickets.web import status_badge


@dataclass(frozen=True, slots=True)
class LinkView:
    link_id: int
    reference: str
    url: str
    subject: str
    status_label: str
    status_badge: str
    note: str


@dataclass(frozen=True, slots=True)
class Collaboration:
    followers: list[str]
    is_following: bool
    links: list[LinkView]
    split_form: SplitForm
    link_form: LinkForm


def split_form_for(ticket: Ticket, departments: Sequence[DepartmentOption]) -> SplitForm:
    """The split form as the page first shows it: the subject to edit, the same department."""
    return SplitForm(departments=departments, initial={
        "subject": gettext("%(subject)s (split)") % {"subject": ticket.subject},
        "department": str(ticket.department_id)})


def collaboration(*, actor: User, ticket: Ticket, split_form: SplitForm,
                  link_form: LinkForm | None = None) -> Collaboration:
    followers = ticket_followers(ticket=ticket)
    statuses = {value: str(label) for value, label in Status.choices}
    url = id_url("desk:ticket", "ticket_id")
    return Collaboration(
        followers=[f.display_name for f in followers],
        is_following=any(f.pk == actor.pk for f in followers),
        links=[LinkView(link_id=link.link_id, reference=link.ticket.reference,
                        url=url(link.ticket.pk), subject=link.ticket.subject,
                        status_label=statuses.get(link.ticket.status, link.ticket.status),
                        status_badge=status_badge(link.ticket.status), note=link.note)
               for link in linked_tickets(actor=actor, ticket=ticket)],
        split_form=split_form,
        link_form=link_form or LinkForm(),
    )
