"""Link a ticket with a related one, or remove a link (tickets.services.links)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound
from destek.desk.collab_forms import LinkForm
from destek.desk.filters import parse_id
from destek.desk.views.ticket import render_ticket
from destek.tickets.services.links import ticket_link, ticket_unlink
from destek.tickets.web import ticket_or_404


@staff_required
@require_POST
def link(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = acting_user(request)
    ticket = ticket_or_404(request, ticket_id)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            ticket_link(actor=actor, ticket=ticket, other_id=form.cleaned_data["reference"],
                        note=form.cleaned_data["note"])
        except NotFound:
            form.add_error("reference", _("No such ticket."))
        except ApplicationError as error:
            form.add_error("reference", error.message)
        else:
            messages.success(request, _("Tickets linked."))
            return redirect("desk:ticket", ticket_id=ticket.pk)
    return render_ticket(request, ticket, link_form=form, status=400)


@staff_required
@require_POST
def unlink(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = acting_user(request)
    ticket = ticket_or_404(request, ticket_id)
    try:
        ticket_unlink(actor=actor, ticket=ticket,
                      link_id=parse_id(request.POST.get("link")) or 0)
    except (NotFound, ApplicationError):
        messages.error(request, _("This link no longer exists."))
    else:
        messages.success(request, _("Link removed."))
    return redirect("desk:ticket", ticket_id=ticket.pk)
