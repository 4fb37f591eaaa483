"""Follow or unfollow a ticket; the note box's @mention suggestions (active staff)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.scope import colleagues_for
from destek.accounts.web import acting_user, staff_required
from destek.tickets.services.followers import ticket_follow, ticket_unfollow
from destek.tickets.web import ticket_or_404

MAX_SUGGESTIONS = 8


@staff_required
@require_POST
def follow(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    if request.POST.get("follow") == "0":
        ticket_unfollow(actor=acting_user(request), ticket=ticket)
        messages.success(request, _("You no longer follow this ticket."))
    else:
        ticket_follow(actor=acting_user(request), ticket=ticket)
        messages.success(request, _("You follow this ticket: you will hear of the customer's "
                                    "replies and of status changes."))
    return redirect("desk:ticket", ticket_id=ticket.pk)


@staff_required
@require_GET
def mention_suggestions(request: HttpRequest) -> JsonResponse:
    """Active staff the agent may mention (an outsourced agent: their departments' staff),
    matching what was typed after the @ in their name or address."""
    typed = (request.GET.get("q") or "").strip()[:60]
    people = colleagues_for(acting_user(request))
    if typed:
        people = people.filter(Q(full_name__icontains=typed) | Q(email__istartswith=typed))
    found = people.order_by("full_name", "email").values("full_name", "email")[:MAX_SUGGESTIONS]
    return JsonResponse({"people": [{"name": p["full_name"] or p["email"], "email": p["email"]}
                                    for p in found]})
