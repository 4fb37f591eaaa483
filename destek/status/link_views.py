"""Agents' doors to incidents and tickets (/desk/incident-tickets/): the linked tickets of an
incident, answering or resolving them all, and linking one ticket. Thin: each checks access,
validates a form and calls one service (destek.status.links, destek.status.linked_replies).
Customers get 404 (staff_required); a ticket is reached only through tickets.access, and the
replies go only to the tickets the agent may see (an outsourced agent: their departments)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError
from destek.status.link_forms import LinkedReplyForm, TicketIncidentForm
from destek.status.link_panels import incident_desk_url
from destek.status.linked_replies import linked_reply_start
from destek.status.links import incident_link_ticket, incident_unlink_ticket
from destek.status.models import Incident, LinkedReply
from destek.tickets.web import ticket_or_404


def _incident_or_404(incident_id: int) -> Incident:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise Http404("Incident not found.")
    return incident


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@staff_required
@require_GET
def incident_tickets(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The linked tickets on a page of their own (the incident's desk page includes the
    same panel: templates/status/desk/_incident_tickets.html)."""
    incident = _incident_or_404(incident_id)
    return render(request, "status/links/page.html", {
        "incident": incident, "title": incident.localized_title(get_language()),
        "incident_url": incident_desk_url(incident.pk)})


def _send(request: HttpRequest, incident_id: int, *, resolve: bool) -> HttpResponse:
    incident = _incident_or_404(incident_id)
    back = _back(request, reverse("status_links:incident_tickets", args=[incident.pk]))
    form = LinkedReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the message to send."))
        return redirect(back)
    try:
        reply = linked_reply_start(actor=acting_user(request), incident=incident,
                                   body=form.cleaned_data["body"], resolve=resolve,
                                   token=form.cleaned_data["token"])
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    if resolve:
        messages.success(request, _("Resolving %(count)s linked tickets with your message.")
                         % {"count": reply.total})
    else:
        messages.success(request, _("Sending your reply to %(count)s linked tickets.")
                         % {"count": reply.total})
    return redirect(back)


@staff_required
@require_POST
def answer(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _send(request, incident_id, resolve=False)


@staff_required
@require_POST
def resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _send(request, incident_id, resolve=True)


@staff_required
@require_GET
def progress(request: HttpRequest, reply_id: int) -> HttpResponse:
    """The sender's progress bar (htmx polls it while sending): their own sends only."""
    reply = LinkedReply.objects.filter(pk=reply_id, author=acting_user(request)).first()
    if reply is None:
        raise Http404("Not found.")
    return render(request, "status/links/_progress.html", {"reply": reply})


@staff_required
@require_POST
def link(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Link a ticket the agent may see to an open, published incident."""
    ticket = ticket_or_404(request, ticket_id)
    form = TicketIncidentForm(request.POST)
    incident = Incident.objects.filter(
        pk=form.cleaned_data["incident"], resolved_at=None, published_at__isnull=False,
    ).first() if form.is_valid() else None
    if incident is None:
        messages.error(request, _("Choose an open incident."))
    else:
        with transaction.atomic():
            _link, created = incident_link_ticket(incident=incident, ticket=ticket,
                                                  actor=acting_user(request), automatic=False)
        if created:
            messages.success(request, _("Linked to the incident."))
    return redirect("desk:ticket", ticket_id=ticket.pk)


@staff_required
@require_POST
def unlink(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    form = TicketIncidentForm(request.POST)
    if form.is_valid():
        incident = Incident.objects.filter(pk=form.cleaned_data["incident"]).first()
        if incident is not None and incident_unlink_ticket(
                incident=incident, ticket=ticket, actor=acting_user(request)):
            messages.success(request, _("Removed from the incident."))
    return redirect("desk:ticket", ticket_id=ticket.pk)
