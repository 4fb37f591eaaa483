"""The one-click rating links of the "How did we do?" email.

Each answer is its own signed link (django.core.signing, its own salt) naming the ticket, its
customer and the score; it expires after FeedbackSettings.link_valid_days. Following one
never records anything (mail scanners fetch links): the page it opens shows the answer chosen
with a confirm button and a comment box, and only that form's POST records.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from destek.core.errors import NotFound
from destek.feedback.scales import allowed_scores, score_label
from destek.feedback.selectors import feedback_settings
from destek.tickets.models import Ticket

RATING_LINK_SALT = "destek.feedback.rating-link"


def rating_token_for(ticket: Ticket, score: int) -> str:
    return signing.dumps({"t": ticket.pk, "c": ticket.customer_id, "s": score},
                         salt=RATING_LINK_SALT, compress=True)


def rating_url(ticket: Ticket, score: int) -> str:
    token = rating_token_for(ticket, score)
    try:
        path = reverse("portal:rating_link", kwargs={"token": token})
    except NoReverseMatch:  # the portal route is not there: the documented literal path
        path = f"/portal/rate/{token}/"
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def rating_choices(ticket: Ticket, scale: str) -> list[dict[str, object]]:
    """One {score, label, url} per answer the scale offers, best first."""
    return [{"score": s, "label": score_label(s, scale), "url": rating_url(ticket, s)}
            for s in allowed_scores(scale)]


@dataclass(frozen=True)
class RatingLink:
    ticket: Ticket
    score: int


def access_ticket_by_rating_token(*, token: str) -> RatingLink:
    """The ticket the token names, still its customer's, and the answer it carries;
    NotFound for a tampered, expired or foreign token (the same answer for each)."""
    max_age = feedback_settings().link_valid_days * 24 * 60 * 60
    try:
        data = signing.loads(token, salt=RATING_LINK_SALT, max_age=max_age)
    except signing.BadSignature:
        raise NotFound(_("This rating link is invalid or has expired.")) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "tcs"):
        raise NotFound(_("This rating link is invalid or has expired."))
    ticket = (Ticket.objects.select_related("department", "customer", "assignee")
              .filter(pk=data["t"], customer_id=data["c"]).first())
    if ticket is None or ticket.merged_into_id is not None:
        raise NotFound(_("This rating link is invalid or has expired."))
    return RatingLink(ticket=ticket, score=data["s"])
