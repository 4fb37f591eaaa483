"""Apply a macro to a ticket: one POST from the ticket's Macros picker (with or without
JavaScript), one service call (destek.tickets.macros.macro_apply)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound
from destek.desk.views.ticket import render_ticket
from destek.tickets.access import access_canned_response_by_id
from destek.tickets.macros import macro_apply
from destek.tickets.web import ticket_or_404

MAX_BODY = 200_000


@staff_required
@require_POST
def apply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = acting_user(request)
    ticket = ticket_or_404(request, ticket_id)
    # The reply as the agent left it in the preview (absent: the macro's own text).
    body = request.POST.get("body")
    try:
        canned = access_canned_response_by_id(actor=actor,
                                              canned_id=request.POST.get("macro", ""))
        if body is not None and len(body) > MAX_BODY:
            raise ApplicationError(_("The reply is too long."), field="body")
        macro_apply(actor=actor, ticket=ticket, canned=canned,
                    body=None if body is None else body.replace("\r\n", "\n"))
    except NotFound:
        messages.error(request, _("This macro is not available on this ticket."))
    except ApplicationError as error:
        messages.error(request, _("The macro was not applied: %(error)s")
                       % {"error": error.message})
    else:
        messages.success(request, _("Macro “%(title)s” applied.") % {"title": canned.title})
        return redirect("desk:ticket", ticket_id=ticket.pk)
    return render_ticket(request, ticket, status=400)
