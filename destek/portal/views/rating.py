"""Rating a resolved ticket: the one-click links of the "How did we do?" email, and the form
on the ticket page (signed in, or through the guest link).

The email link's GET shows the chosen answer pre-selected, a comment box and a confirm
button; only the POST (with its CSRF token) records, so a mail scanner that fetches the link
records nothing. No sign-in: the signed token proves who the customer is. Posting the same
answer twice changes nothing (destek.feedback.ratings.rating_record).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from destek.core.errors import ApplicationError, NotFound
from destek.feedback.links import access_ticket_by_rating_token
from destek.feedback.models import RatingSource
from destek.feedback.ratings import rating_record
from destek.feedback.selectors import feedback_settings, rating_panel, ticket_rating
from destek.portal.views.common import customer_required, portal_user, ticket_or_404
from destek.portal.views.guest import guest_view
from destek.tickets.access import access_ticket_by_guest_token, guest_token_for
from destek.tickets.models import DONE_STATUSES, Ticket


def _record_from_form(request: HttpRequest, ticket: Ticket, *, source: str) -> bool:
    """Record the posted answer for `ticket`'s customer; a message either way."""
    config = feedback_settings()
    try:
        rating_record(ticket=ticket, customer=ticket.customer,
                      score=request.POST.get("score"), scale=config.scale, source=source,
                      comment=request.POST.get("comment", ""),
                      is_complaint=request.POST.get("is_complaint") == "on")
    except ApplicationError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, _("Thank you for your feedback."))
    return True


@require_http_methods(["GET", "POST"])
@guest_view
def rating_link(request: HttpRequest, token: str) -> HttpResponse:
    link = access_ticket_by_rating_token(token=token)
    ticket = link.ticket
    if request.method == "POST" and _record_from_form(request, ticket,
                                                       source=RatingSource.EMAIL):
        return redirect("portal:guest_ticket", token=guest_token_for(ticket))
    rating = ticket_rating(ticket.pk)
    panel = rating_panel(rating=rating)
    # The answer the link carries, unless a POST just failed and said otherwise.
    selected: Any = request.POST.get("score") if request.method == "POST" else link.score
    context = {"ticket": ticket, "panel": panel, "selected": int(selected or 0),
               "comment": request.POST.get("comment", rating.comment if rating else ""),
               "ticket_url_token": guest_token_for(ticket)}
    return render(request, "feedback/rating_confirm.html", context)


@require_POST
@customer_required
def ticket_rate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    if ticket.customer_id != portal_user(request).pk or ticket.status not in DONE_STATUSES:
        raise Http404("Ticket not found.")
    _record_from_form(request, ticket, source=RatingSource.PORTAL)
    return redirect("portal:ticket_detail", ticket_id=ticket_id)


@require_POST
@guest_view
def guest_rate(request: HttpRequest, token: str) -> HttpResponse:
    ticket = access_ticket_by_guest_token(token=token)
    if ticket.status not in DONE_STATUSES:
        raise NotFound(_("This link is invalid or has expired."))
    _record_from_form(request, ticket, source=RatingSource.PORTAL)
    return redirect("portal:guest_ticket", token=token)
