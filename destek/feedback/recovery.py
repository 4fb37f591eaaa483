"""The recovery loop: a bad rating or a complaint opens (or reopens) a recovery ticket for
the team's supervisor on a 1-hour first-response clock, or is dismissed with a logged
reason; the customer is at risk until it is resolved, then asked again."""

from __future__ import annotations

from destek.feedback.models import Rating


def rating_recorded(rating: Rating, *, created: bool) -> None:
    """Called by the rating service, in its transaction, after every save of a rating
    (new or changed). Filled in by the recovery work."""
