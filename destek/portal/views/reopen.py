"""The one-click reopen link of the "your ticket is resolved" email (notifications.reopen_links).

GET shows what would happen and one button; only the POST (with its CSRF token) reopens, so a
mail scanner that fetches the link changes nothing. No sign-in: the signed token proves who
the customer is. The reopening is the customer's status service (audit event, TicketUpdated),
as from the ticket page.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from destek.core.errors import ApplicationError
from destek.notifications.reopen_links import access_ticket_by_reopen_token
from destek.portal.views.guest import guest_view
from destek.tickets.access import guest_token_for
from destek.tickets.models import DONE_STATUSES, Status, Ticket
from destek.tickets.services.changes import ticket_set_status_by_customer


def _reopenable(ticket: Ticket) -> bool:
    return ticket.status in DONE_STATUSES and ticket.merged_into_id is None


@require_http_methods(["GET", "POST"])
@guest_view
def reopen_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        ticket = access_ticket_by_reopen_token(token=token)
        return render(request, "portal/reopen_confirm.html", {
            "ticket": ticket, "reopenable": _reopenable(ticket),
            "ticket_url_token": guest_token_for(ticket)})
    with transaction.atomic():
        ticket = access_ticket_by_reopen_token(token=token, for_update=True)
        if not _reopenable(ticket):
            messages.info(request, _("This ticket is already open."))
        else:
            try:
                ticket_set_status_by_customer(actor=ticket.customer, ticket=ticket,
                                              status=Status.OPEN)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The ticket has been reopened. Tell us what is "
                                            "still wrong in a reply below."))
    return redirect("portal:guest_ticket", token=guest_token_for(ticket))
