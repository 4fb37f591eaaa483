"""The ticket screen: conversation, history, customer, SLA panel, and the forms that act on
the ticket.

Its query count is fixed whatever the conversation's length (see tests/test_query_counts.py):
ticket, messages, attachments, events, tags, one query each, the customer panel's
(services, value, open tickets, one per history source: desk/customer_panel.py), and the SLA
panel's (its row; when there is one, its ended targets and its alerts), and the incidents it is
part of or may be linked to (one query: destek.status.link_panels).
Departments, colleagues and canned responses come from the per-process options snapshot
(destek.desk.choices), which costs a cache read per page and a few queries when it reloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from destek.accounts.models import User
from destek.accounts.web import acting_user, staff_required
from destek.core.csp import allow_remote_images
from destek.core.errors import NotFound
from destek.core.sanitize import remote_images_asked
from destek.desk import choices
from destek.desk.collab_forms import LinkForm, SplitForm
from destek.desk.collaboration import collaboration, split_form_for
from destek.desk.customer_history import Exclude
from destek.desk.customer_panel import customer_panel
from destek.desk.forms import MergeForm, ReplyForm, TicketFieldsForm
from destek.desk.presenters import present_events, present_messages
from destek.desk.views.sla import sla_panel
from destek.mail.admin_parts import received_email_urls
from destek.status.link_panels import ticket_incidents
from destek.tickets.access import access_attachment_by_id
from destek.tickets.macros import is_macro, macro_actions
from destek.tickets.models import Channel, Ticket
from destek.tickets.selectors import note_mentions, ticket_detail
from destek.tickets.services.canned import canned_placeholders, render_text
from destek.tickets.web import serve_attachment, ticket_or_404

MAX_CANNED = 200


def with_current_assignee(agents: Sequence[User | choices.AgentOption],
                          ticket: Ticket) -> list[User | choices.AgentOption]:
    """Keep the current assignee selectable even when they are not in the agent's list,
    so saving the form unchanged never unassigns the ticket by accident."""
    found: list[User | choices.AgentOption] = list(agents)
    if ticket.assignee is not None and all(a.pk != ticket.assignee_id for a in agents):
        found.insert(0, ticket.assignee)
    return found


@dataclass(frozen=True)
class MacroView:
    """A macro in the ticket's Macros picker: its reply filled in, what it will do."""

    id: int
    title: str
    text: str
    actions: list[str]


def _canned(ticket: Ticket, actor: User,
            snap: choices.Snapshot) -> tuple[list[tuple[Any, str]], list[MacroView]]:
    """(canned response, its text filled in for this ticket and agent) for those with a
    text, and the macros, by title."""
    values: dict[str, dict[str, str]] = {}
    filled, macros = [], []
    names: dict[int, str] | None = None
    for c in choices.canned_for(ticket.department_id, snap, limit=MAX_CANNED,
                                actor_id=actor.pk):
        if c.language not in values:
            values[c.language] = canned_placeholders(ticket=ticket, agent=actor,
                                                     language=c.language)
        text = render_text(c.body, values[c.language])
        if text.strip():
            filled.append((c, text))
        if is_macro(c):
            if names is None:
                names = {a.id: a.label for a in snap.agents}
            macros.append(MacroView(id=c.id, title=c.title, text=text,
                                    actions=macro_actions(c, staff_name=names.get)))
    return filled, macros


def render_ticket(request: HttpRequest, ticket: Ticket, *, reply_form: ReplyForm | None = None,
                  fields_form: TicketFieldsForm | None = None,
                  merge_form: MergeForm | None = None, split_form: SplitForm | None = None,
                  link_form: LinkForm | None = None, status: int = 200) -> HttpResponse:
    """The ticket page; the action views call it with a bound form to show its errors."""
    actor = acting_user(request)
    detail = ticket_detail(actor=actor, ticket=ticket)
    tags = list(ticket.tags.order_by("name").values_list("name", flat=True))
    snap = choices.snapshot()
    canned, macros = _canned(ticket, actor, snap)
    if fields_form is None:
        fields_form = TicketFieldsForm(
            initial=TicketFieldsForm.initial_for(ticket, tags),
            departments=choices.departments_for(actor, snap),
            agents=with_current_assignee(choices.agents_for(actor, snap), ticket),
        )
    received: dict[int, str] = {}
    if actor.is_admin and actor.is_superuser:  # the Django admin: superusers only
        received = received_email_urls([m.pk for m in detail.messages
                                        if m.channel == Channel.EMAIL])
    messages_list = present_messages(detail.messages,
                                     remote_images_for=remote_images_asked(request),
                                     received_email_urls=received,
                                     mentions=note_mentions(messages=detail.messages))
    context: dict[str, Any] = {
        "ticket": ticket,
        "customer": ticket.customer,
        "messages_list": messages_list,
        "events": present_events(detail.events),
        "tags": tags,
        # The customer's services, value, open tickets and history (desk/customer_panel.py).
        "customer_panel": customer_panel(actor=actor, customer=ticket.customer,
                                         service_id=ticket.service_id,
                                         exclude=Exclude(ticket_id=ticket.pk)),
        "canned": canned,
        "macros": macros,  # canned responses with actions, applied in one click
        "sla": sla_panel(ticket=ticket, snap=snap),  # in the page: no second request
        # The incidents it is part of, and the open ones to link it to: one query.
        "incidents": ticket_incidents(ticket=ticket, language=get_language()),
        "reply_form": reply_form or ReplyForm(),
        "fields_form": fields_form,
        "merge_form": merge_form or MergeForm(),
        # Followers, related tickets, the split and link forms (desk/collaboration.py).
        "collab": collaboration(
            actor=actor, ticket=ticket, link_form=link_form,
            split_form=split_form or split_form_for(ticket, list(choices.departments_for(
                actor, snap)))),
    }
    response = render(request, "desk/ticket.html", context, status=status)
    if any(m.remote_images == "shown" for m in messages_list):
        allow_remote_images(response)  # for this response only: the agent asked
    return response


@staff_required
@require_GET
def ticket_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    # The SLA row and the customer's rating (feedback.Rating, one-to-one) with the ticket:
    # neither panel needs a query of its own.
    return render_ticket(request, ticket_or_404(request, ticket_id, related=("sla", "rating")))


@staff_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        found = access_attachment_by_id(actor=acting_user(request), attachment_id=attachment_id)
    except NotFound:
        raise Http404("Attachment not found.") from None
    return serve_attachment(found)
