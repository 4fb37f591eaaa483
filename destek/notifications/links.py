"""Absolute links placed in emails. Settings are read at call time (BASE_URL may change)."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from destek.tickets.access import guest_token_for
from destek.tickets.models import Ticket


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def customer_ticket_url(ticket: Ticket) -> str:
    """The signed guest link: opens this one ticket in the portal without a password."""
    token = guest_token_for(ticket)
    try:
        path = reverse("portal:guest_ticket", kwargs={"token": token})
    except NoReverseMatch:  # the portal route is not there yet: the documented literal path
        path = f"/portal/guest/{token}/"
    return _absolute(path)


def agent_ticket_url(ticket: Ticket) -> str:
    """The ticket in the agent desk (login required there)."""
    try:
        path = reverse("desk:ticket", kwargs={"ticket_id": ticket.pk})
    except NoReverseMatch:
        path = f"/desk/tickets/{ticket.pk}/"
    return _absolute(path)
