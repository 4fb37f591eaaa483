"""The one-click reopen link in the "your ticket is resolved" email.

A signed token (django.core.signing, its own salt) names the ticket and its customer and
expires after REOPEN_LINK_DAYS. Following it never changes anything by itself (mail scanners
fetch links): the page it opens asks for one confirming click, a POST with its CSRF token.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from destek.core.errors import NotFound
from destek.tickets.models import Ticket

REOPEN_LINK_SALT = "destek.notifications.reopen-link"
REOPEN_LINK_DAYS = 30


def reopen_token_for(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "c": ticket.customer_id}, salt=REOPEN_LINK_SALT,
                         compress=True)


def reopen_url(ticket: Ticket) -> str:
    token = reopen_token_for(ticket)
    try:
        path = reverse("portal:reopen_link", kwargs={"token": token})
    except NoReverseMatch:  # the portal route is not there: the documented literal path
        path = f"/portal/reopen/{token}/"
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def access_ticket_by_reopen_token(*, token: str, for_update: bool = False) -> Ticket:
    """The ticket the token names, still its customer's; NotFound for a tampered, expired or
    foreign token (the same answer for each, revealing nothing)."""
    try:
        data = signing.loads(token, salt=REOPEN_LINK_SALT,
                             max_age=REOPEN_LINK_DAYS * 24 * 60 * 60)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int) \
            or not isinstance(data.get("c"), int):
        raise NotFound(_("This link is invalid or has expired."))
    query = Ticket.objects.select_related("department", "customer", "assignee")
    if for_update:
        query = query.select_for_update(of=("self",))
    ticket = query.filter(pk=data["t"], customer_id=data["c"]).first()
    if ticket is None:
        raise NotFound(_("This link is invalid or has expired."))
    return ticket
