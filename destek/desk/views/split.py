"""Split the checked messages of a ticket into a new ticket (tickets.split)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound
from destek.desk.collab_forms import SplitForm, selected_message_ids
from destek.desk.lookups import departments_for
from destek.desk.views.ticket import render_ticket
from destek.tickets.split import ticket_split
from destek.tickets.web import ticket_or_404


@staff_required
@require_POST
def split(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = acting_user(request)
    ticket = ticket_or_404(request, ticket_id)
    form = SplitForm(request.POST, departments=list(departments_for(actor)))
    if form.is_valid():
        try:
            new = ticket_split(actor=actor, source=ticket,
                               message_ids=selected_message_ids(request.POST.getlist("message")),
                               subject=form.cleaned_data["subject"],
                               department=form.cleaned_data["department"])
        except NotFound:
            form.add_error(None, _("Ticket not found."))
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The selected messages were moved to %(reference)s.")
                             % {"reference": new.reference})
            return redirect("desk:ticket", ticket_id=new.pk)
    return render_ticket(request, ticket, split_form=form, status=400)
