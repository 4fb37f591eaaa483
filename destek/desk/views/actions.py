"""POST endpoints of the desk: each checks access, validates a form and calls one service.

Service errors (ApplicationError) are shown to the agent; nothing a user submits produces a
500. Success redirects (POST/redirect/GET), failure re-renders the ticket with the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError, NotFound
from destek.desk.filters import parse_id
from destek.desk.forms import BulkForm, MergeForm, ReplyForm, TicketFieldsForm
from destek.desk.lookups import assignable_agents, departments_for
from destek.desk.mentions import tell_author_who_was_not_notified
from destek.desk.services import agent_set_availability
from destek.desk.views.common import safe_next
from destek.desk.views.ticket import render_ticket, with_current_assignee
from destek.tickets.access import access_ticket_by_id
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
from destek.tickets.services.changes import (
    parse_tags,
    ticket_bulk_update,
    ticket_merge,
    ticket_update,
)
from destek.tickets.uploads import files_from_request
from destek.tickets.web import ticket_or_404

MAX_BULK = 200


@staff_required
@require_POST
def reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """A public reply or an internal note, through the intake funnel like every channel."""
    ticket = ticket_or_404(request, ticket_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        internal = form.cleaned_data["is_internal"]
        try:
            files = files_from_request(request.FILES.getlist("attachments"))
            result = receive(InboundMessage(
                channel=Channel.DESK, author=acting_user(request), ticket_id=ticket.pk,
                body_text=form.cleaned_data["body"], is_internal=internal,
                new_status=form.cleaned_data["status"] or None, attachments=tuple(files),
                waiting_for=form.cleaned_data["waiting_for"],
                waiting_note=form.cleaned_data["waiting_note"],
            ))
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Internal note added.") if internal else _("Reply sent."))
            if internal:
                tell_author_who_was_not_notified(request, result.message)
            return redirect("desk:ticket", ticket_id=ticket.pk)
    return render_ticket(request, ticket, reply_form=form, status=400)


@staff_required
@require_POST
def update(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Status, priority, department, assignee, tags and CC, each change an audit event."""
    actor = acting_user(request)
    ticket = ticket_or_404(request, ticket_id)
    departments = list(departments_for(actor))
    agents = with_current_assignee(list(assignable_agents(actor)), ticket)
    form = TicketFieldsForm(request.POST, departments=departments, agents=agents)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                locked = ticket_or_404(request, ticket_id, for_update=True)
                ticket_update(
                    actor=actor, ticket=locked, status=data["status"], priority=data["priority"],
                    department=data["department"], assignee=data["assignee"],
                    tags=parse_tags(data["tags"]), cc_addresses=data["cc"],
                    waiting_for=data["waiting_for"], waiting_note=data["waiting_note"],
                )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Ticket updated."))
            return redirect("desk:ticket", ticket_id=ticket.pk)
    return render_ticket(request, ticket, fields_form=form, status=400)


@staff_required
@require_POST
def merge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Merge this ticket into another one of the same customer, then show the target."""
    actor = acting_user(request)
    source = ticket_or_404(request, ticket_id)
    form = MergeForm(request.POST)
    if form.is_valid() and request.POST.get("confirmed") != "1":
        # Nothing is merged before the agent saw both tickets side by side.
        return redirect(f"{reverse('desk:merge_confirm', args=[source.pk])}?"
                        f"{urlencode({'target': request.POST.get('target', '')})}")
    if form.is_valid():
        try:
            target = access_ticket_by_id(actor=actor, ticket_id=form.cleaned_data["target"])
            merged = ticket_merge(actor=actor, source=source, target=target)
        except NotFound:
            form.add_error("target", _("No such ticket."))
        except ApplicationError as error:
            form.add_error("target", error.message)
        else:
            messages.success(request, _("%(source)s was merged into %(target)s.")
                             % {"source": source.reference, "target": merged.reference})
            return redirect("desk:ticket", ticket_id=merged.pk)
    return render_ticket(request, source, merge_form=form, status=400)


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """The queue's bulk bar: one service call, all or nothing; errors become a message."""
    actor = acting_user(request)
    ids = list(dict.fromkeys(
        pk for pk in (parse_id(v) for v in request.POST.getlist("ticket")[:MAX_BULK + 1]) if pk
    ))
    form = BulkForm(request.POST, departments=list(departments_for(actor)),
                    agents=list(assignable_agents(actor)))
    if not form.is_valid():
        messages.error(request, _("Choose valid values for the change."))
    elif not (changes := form.changes()):
        messages.error(request, _("Choose what to change."))
    else:
        try:
            count = ticket_bulk_update(actor=actor, ticket_ids=ids, **changes)
        except NotFound:
            messages.error(request, _("One of the selected tickets no longer exists or is not "
                                      "visible to you; nothing was changed."))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, ngettext("%(count)d ticket updated.",
                                               "%(count)d tickets updated.", count)
                             % {"count": count})
    return redirect(safe_next(request))


@staff_required
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    """Switch automatic assignment on or off for the signed-in agent."""
    try:
        agent_set_availability(agent=acting_user(request),
                               available=request.POST.get("available") == "1")
    except ApplicationError as error:
        raise Http404(error.message) from None
    return redirect(safe_next(request))
