"""The ticket screen: conversation, history, customer, and the forms that act on the ticket.

Its query count is fixed whatever the conversation's length (see tests/test_query_counts.py):
ticket, messages, attachments, events, tags, the customer's other tickets, canned responses,
departments and colleagues, one query each.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from destek.accounts.models import User
from destek.core.downloads import attachment_response
from destek.core.errors import NotFound
from destek.desk.decorators import staff_required
from destek.desk.forms import MergeForm, ReplyForm, TicketFieldsForm
from destek.desk.lookups import assignable_agents, departments_for
from destek.desk.views.common import acting_user, ticket_or_404
from destek.tickets.access import access_attachment_by_id, tickets_visible_to
from destek.tickets.models import Ticket
from destek.tickets.selectors import canned_responses_for, ticket_detail
from destek.tickets.services.canned import canned_response_render

OTHER_TICKETS = 5
MAX_CANNED = 200


def _other_tickets(actor: User, ticket: Ticket) -> list[Ticket]:
    """The customer's latest other tickets this agent may see (one bounded query)."""
    return list(
        tickets_visible_to(actor)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .only("id", "subject", "status", "updated_at")
        .order_by("-updated_at", "-id")[:OTHER_TICKETS]
    )


def with_current_assignee(agents: list[User], ticket: Ticket) -> list[User]:
    """Keep the current assignee selectable even when they are not in the agent's list,
    so saving the form unchanged never unassigns the ticket by accident."""
    if ticket.assignee is not None and all(a.pk != ticket.assignee_id for a in agents):
        return [ticket.assignee, *agents]
    return agents


def render_ticket(request: HttpRequest, ticket: Ticket, *, reply_form: ReplyForm | None = None,
                  fields_form: TicketFieldsForm | None = None,
                  merge_form: MergeForm | None = None, status: int = 200) -> HttpResponse:
    """The ticket page; the action views call it with a bound form to show its errors."""
    actor = acting_user(request)
    detail = ticket_detail(actor=actor, ticket=ticket)
    tags = [t.name for t in ticket.tags.all()]
    departments = list(departments_for(actor))
    agents = with_current_assignee(list(assignable_agents(actor)), ticket)
    canned = [
        (c, canned_response_render(canned=c, ticket=ticket, agent=actor))
        for c in canned_responses_for(ticket=ticket)[:MAX_CANNED]
    ]
    if fields_form is None:
        fields_form = TicketFieldsForm(initial=TicketFieldsForm.initial_for(ticket, tags),
                                       departments=departments, agents=agents)
    context: dict[str, Any] = {
        "ticket": ticket,
        "customer": ticket.customer,
        "messages_list": detail.messages,
        "events": detail.events,
        "tags": tags,
        "other_tickets": _other_tickets(actor, ticket),
        "canned": canned,
        "reply_form": reply_form or ReplyForm(),
        "fields_form": fields_form,
        "merge_form": merge_form or MergeForm(),
    }
    return render(request, "desk/ticket.html", context, status=status)


@staff_required
@require_GET
def ticket_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return render_ticket(request, ticket_or_404(request, ticket_id))


@staff_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        found = access_attachment_by_id(actor=acting_user(request), attachment_id=attachment_id)
    except NotFound:
        raise Http404("Attachment not found.") from None
    return attachment_response(found)
