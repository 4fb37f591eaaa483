"""Before a merge runs: both tickets side by side (reference, subject, customer, status,
messages) and a button that confirms it (desk.views.actions.merge runs it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound
from destek.desk.forms import MergeForm
from destek.desk.views.ticket import render_ticket
from destek.tickets.access import access_ticket_by_id
from destek.tickets.services.changes import check_merge
from destek.tickets.web import ticket_or_404


@staff_required
@require_GET
def merge_confirm(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = acting_user(request)
    source = ticket_or_404(request, ticket_id)
    form = MergeForm(request.GET)
    if form.is_valid():
        try:
            target = access_ticket_by_id(actor=actor, ticket_id=form.cleaned_data["target"])
            check_merge(source=source, target=target)
        except NotFound:
            form.add_error("target", _("No such ticket."))
        except ApplicationError as error:
            form.add_error("target", error.message)
        else:
            return render(request, "desk/merge_confirm.html",
                          {"source": source, "target": target, "ticket": source})
    return render_ticket(request, source, merge_form=form, status=400)
