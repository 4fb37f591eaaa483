"""A signed-in customer's tickets: list, open, read, reply, close and reopen."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from destek.accounts.models import User
from destek.accounts.resellers import end_customers_of
from destek.core.errors import ApplicationError, NotFound
from destek.portal import adapters
from destek.portal.forms import NewTicketForm, ReplyForm
from destek.portal.sla import list_expectations
from destek.portal.views.common import (
    customer_required,
    end_customer_label,
    merged_reply_refusal,
    portal_user,
    render_ticket_page,
    ticket_actions,
    ticket_or_404,
    upload_limits,
)
from destek.status.links import banners_for
from destek.tickets.models import Status
from destek.tickets.selectors import customer_ticket_list

MAX_CURSOR_CHARS = 500
PAGE_SIZE = 25


OWN_TICKETS = "own"


def _whose(value: str) -> tuple[bool, int | None]:
    """The list's `for` filter: "" everything, "own" one's own tickets, an end customer
    organization's id; anything else is ignored (the scope decides what can be seen)."""
    if value == OWN_TICKETS:
        return True, None
    if value.isdigit() and 0 < len(value) <= 18:
        return False, int(value)
    return False, None


@require_GET
@customer_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    cursor = request.GET.get("cursor", "")[:MAX_CURSOR_CHARS] or None
    customer = portal_user(request)
    whose = request.GET.get("for", "")[:20]
    own_only, end_customer_id = _whose(whose)
    # A reseller's people choose among their end customers (one query, bounded; none for a
    # customer without an organization).
    end_customers = end_customers_of(customer)
    page = customer_ticket_list(customer=customer, cursor=cursor, limit=PAGE_SIZE,
                                own_only=own_only, end_customer_id=end_customer_id)
    expectations = list_expectations(customer=customer, tickets=page.items)
    rows = [(ticket, expectations[ticket.pk], end_customer_label(ticket=ticket, reader=customer))
            for ticket in page.items]
    return render(request, "portal/ticket_list.html", {
        "page": page, "rows": rows, "is_first_page": cursor is None,
        "end_customers": end_customers, "whose": whose if own_only or end_customer_id else "",
        "own_tickets": OWN_TICKETS,
        "shows_end_customers": bool(end_customers) or any(label for _t, _e, label in rows),
    })


def incident_banners(customer: User) -> dict[str, object]:
    """"We know about this": the open incidents that concern the customer (destek.status.links;
    nothing open: a cache read, no query)."""
    return {"incident_banners": banners_for(customer, language=get_language())}


@require_http_methods(["GET", "POST"])
@customer_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    customer = portal_user(request)
    if request.method != "POST":
        return render(request, "portal/ticket_new.html",
                      {"form": NewTicketForm(customer=customer), **upload_limits(),
                       **incident_banners(customer)})
    form = NewTicketForm(request.POST, request.FILES, customer=customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = adapters.portal_open_ticket(
                author=customer, department_id=data["department"].pk,
                priority=data["priority"], subject=data["subject"], body=data["body"],
                uploads=data["attachments"], submission_id=data["submission_id"],
                service=data.get("service"),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Your ticket %(reference)s has been opened. We will reply "
                                        "as soon as possible.")
                             % {"reference": result.ticket.reference})
            return redirect("portal:ticket_detail", ticket_id=result.ticket.pk)
    return render(request, "portal/ticket_new.html", {"form": form, **upload_limits(),
                                                      **incident_banners(customer)},
                  status=400)


@require_GET
@customer_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    return render_ticket_page(request, ticket=ticket, reply_form=ReplyForm())


@require_POST
@customer_required
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    if not ticket_actions(ticket).can_reply:
        messages.error(request, merged_reply_refusal())
        return redirect("portal:ticket_detail", ticket_id=ticket.pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            adapters.portal_reply(author=portal_user(request), ticket=ticket, body=data["body"],
                                  uploads=data["attachments"],
                                  submission_id=data["submission_id"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect("portal:ticket_detail", ticket_id=ticket.pk)
    return render_ticket_page(request, ticket=ticket, reply_form=form, status=400)


def _set_status(request: HttpRequest, ticket_id: int, status: Status, done: str) -> HttpResponse:
    try:
        adapters.customer_set_status(actor=portal_user(request), ticket_id=ticket_id,
                                     status=status)
    except NotFound:
        raise Http404("Ticket not found.") from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("portal:ticket_detail", ticket_id=ticket_id)


@require_POST
@customer_required
def ticket_close(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _set_status(request, ticket_id, Status.CLOSED, _("The ticket has been closed."))


@require_POST
@customer_required
def ticket_reopen(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _set_status(request, ticket_id, Status.OPEN, _("The ticket has been reopened."))
