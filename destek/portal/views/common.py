"""What the customer pages and the guest pages share: access guards and the detail page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.accounts.zones import user_zone
from destek.core.csp import allow_remote_images
from destek.core.errors import NotFound
from destek.core.sanitize import REMOTE_IMAGE_PLACEHOLDER, body_for_reader, remote_images_asked
from destek.feedback.selectors import rating_panel, ticket_rating
from destek.hosting.labels import service_label
from destek.portal.forms import ReplyForm
from destek.portal.sla import ticket_expectation
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import DONE_STATUSES, Status, Ticket
from destek.tickets.selectors import ticket_detail

View = Callable[..., HttpResponse]


def customer_required(view: View) -> View:
    """Signed-in customers only: anonymous users log in, agents go to the desk."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if getattr(user, "is_agent", False):
            ticket_id = kwargs.get("ticket_id")
            if ticket_id is not None:
                return redirect("desk:ticket", ticket_id=int(ticket_id))
            return redirect("desk:queue")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def portal_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind `customer_required`."""
    user = request.user
    assert isinstance(user, User)
    return user


def ticket_or_404(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return access_ticket_by_id(actor=portal_user(request), ticket_id=ticket_id)
    except NotFound:
        raise Http404("Ticket not found.") from None


def upload_limits() -> dict[str, int]:
    """Shown next to file inputs; read at call time so settings overrides apply."""
    return {"max_attachment_bytes": settings.DESTEK_ATTACHMENT_MAX_BYTES}


@dataclass(frozen=True)
class TicketActions:
    can_reply: bool
    can_close: bool
    can_reopen: bool


def ticket_actions(ticket: Ticket) -> TicketActions:
    """Which controls to offer; the services enforce the rules themselves.

    A ticket merged into another continues there: no reply or reopen on the old one.
    """
    merged = ticket.merged_into_id is not None
    return TicketActions(can_reply=not merged, can_close=ticket.status != Status.CLOSED,
                         can_reopen=not merged and ticket.status in DONE_STATUSES)


def end_customer_label(*, ticket: Ticket, reader: User) -> str:
    """Whose ticket this is, for a reseller's person reading an end customer's ticket
    ("Organization · Person"); "" on one's own ticket. The customer and their organization
    come with the ticket (access_ticket_by_id, customer_ticket_list): no query."""
    if ticket.customer_id == reader.pk:
        return ""
    customer = ticket.customer
    organization = customer.organization
    name = customer.display_name
    return f"{organization.name} · {name}" if organization is not None else name


def merged_reply_refusal() -> str:
    return _("This ticket was merged into another one. Please reply there.")


def _rating_context(ticket: Ticket, reader: User) -> dict[str, Any]:
    """A resolved or closed ticket shows its rating form (to its customer) or the rating
    given: two queries then (the rating, the settings row), none while it is open."""
    if ticket.status not in DONE_STATUSES or ticket.merged_into_id is not None:
        return {}
    return {"rating_widget": rating_panel(rating=ticket_rating(ticket.pk)),
            "can_rate": reader.pk == ticket.customer_id}


def render_ticket_page(request: HttpRequest, *, ticket: Ticket, reply_form: ReplyForm,
                       guest_token: str | None = None, status: int = 200) -> HttpResponse:
    """The conversation page, for a signed-in customer or (with `guest_token`) a guest.

    A fixed number of queries whatever the conversation's length (see selectors).
    """
    # A guest is the ticket's customer; a signed-in reader may be a reseller's person.
    reader = ticket.customer if guest_token else portal_user(request)
    detail = ticket_detail(actor=reader, ticket=ticket, with_events=False)
    shown = remote_images_asked(request)
    placeholder = static(REMOTE_IMAGE_PLACEHOLDER)
    conversation = [(m, body_for_reader(m.body_html, show_remote_images=m.pk == shown,
                                        placeholder=placeholder)) for m in detail.messages]
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "reply_form": reply_form,
        "actions": ticket_actions(ticket),
        "expectation": ticket_expectation(ticket=ticket, reader=reader),
        # The service it is about: one query when there is one (none when it came loaded).
        "service_label": service_label(ticket.service) if ticket.service else "",
        "guest_token": guest_token,
        "end_customer": end_customer_label(ticket=ticket, reader=reader),
        **upload_limits(),
        **_rating_context(ticket, reader),
    }
    # Dates in the reader's zone: the middleware activated a signed-in reader's; a guest's
    # is their account's.
    with timezone.override(user_zone(reader)):
        response = render(request, "portal/ticket_detail.html", context, status=status)
    if any(body.remote_images == "shown" for _m, body in conversation):
        allow_remote_images(response)  # for this response only: the reader asked
    return response
