"""What the desk shows of incidents and tickets (typed rows for the templates): the tickets
linked to an incident, with the answer-all and resolve-linked forms, and the incidents of
one ticket."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from destek.accounts.models import User
from destek.status.linked_replies import new_token, open_linked_tickets
from destek.status.links import linked_incidents
from destek.status.models import (
    Incident,
    IncidentState,
    IncidentTicket,
    LinkedReply,
    LinkedReplyState,
)
from destek.tickets.access import tickets_visible_to
from destek.tickets.models import Status, Ticket
from destek.tickets.web import status_badge

MAX_LISTED = 100


def incident_desk_url(incident_id: int) -> str:
    """The incident's desk page (destek.status.urls_desk, "status_desk:incident")."""
    return reverse("status_desk:incident", args=[incident_id])


@dataclass(frozen=True, slots=True)
class LinkedTicketRow:
    pk: int
    reference: str
    subject: str
    customer: str
    status_label: str
    status_badge: str
    automatic: bool


@dataclass(frozen=True, slots=True)
class IncidentTicketsPanel:
    incident: Incident
    rows: list[LinkedTicketRow]
    count: int  # linked tickets the agent may see
    open_count: int
    is_closed: bool
    last_reply: LinkedReply | None
    token: str  # the forms' idempotency token

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.rows))

    @property
    def sending(self) -> bool:
        return self.last_reply is not None and self.last_reply.state == LinkedReplyState.SENDING


def incident_tickets_panel(*, actor: User, incident: Incident) -> IncidentTicketsPanel:
    """Four queries: the linked tickets (at most MAX_LISTED, newest first), how many there
    are, how many are open, and the latest answer-all's progress."""
    statuses = dict(Status.choices)
    links = IncidentTicket.objects.filter(incident=incident,
                                          ticket__in=tickets_visible_to(actor).values("pk"))
    rows = []
    for link in links.select_related("ticket__customer").order_by("-ticket_id")[:MAX_LISTED]:
        t = link.ticket
        rows.append(LinkedTicketRow(
            pk=t.pk, reference=t.reference, subject=t.subject,
            customer=t.customer.display_name,
            status_label=str(statuses.get(t.status, t.status)),
            status_badge=status_badge(t.status), automatic=link.automatic))
    return IncidentTicketsPanel(
        incident=incident, rows=rows, count=links.count(),
        open_count=open_linked_tickets(actor=actor, incident=incident).count(),
        is_closed=not incident.is_open,
        last_reply=incident.linked_replies.filter(author=actor).first()
        if actor.is_authenticated else None,
        token=new_token())


@dataclass(frozen=True, slots=True)
class TicketIncident:
    incident_id: int
    title: str
    state_label: str
    is_open: bool
    url: str


@dataclass(frozen=True, slots=True)
class TicketIncidents:
    """The ticket page's incident box: what it is part of, and what it may be linked to."""

    linked: list[TicketIncident]
    linkable: list[TicketIncident]


def ticket_incidents(*, ticket: Ticket, language: str | None) -> TicketIncidents:
    """One query (`links.linked_incidents`)."""
    states = dict(IncidentState.choices)
    linked: list[TicketIncident] = []
    linkable: list[TicketIncident] = []
    for incident in linked_incidents(ticket):
        row = TicketIncident(incident_id=incident.pk, title=incident.localized_title(language),
                             state_label=str(states.get(incident.state, incident.state)),
                             is_open=incident.is_open, url=incident_desk_url(incident.pk))
        (linked if getattr(incident, "is_linked", False) else linkable).append(row)
    return TicketIncidents(linked=linked, linkable=linkable)
