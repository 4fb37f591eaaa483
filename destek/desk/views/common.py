"""Helpers every desk view shares: safe redirects and the one way to fetch a ticket."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from destek.accounts.models import User
from destek.core.errors import NotFound
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import Ticket


def acting_user(request: HttpRequest) -> User:
    """The signed-in staff member (staff_required has already checked who they are)."""
    user = request.user
    assert isinstance(user, User)
    return user


def ticket_or_404(request: HttpRequest, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """access_ticket_by_id, with 'not yours' and 'does not exist' both becoming a plain 404."""
    try:
        return access_ticket_by_id(actor=acting_user(request), ticket_id=ticket_id,
                                   for_update=for_update)
    except NotFound:
        raise Http404("Ticket not found.") from None


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """Where to go after a POST: the `next` field if it stays on this site, else the queue."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("desk:queue")
