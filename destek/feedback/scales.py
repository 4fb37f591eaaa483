"""The answers each scale offers, and how a score reads in words."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from destek.feedback.models import RatingScale


def allowed_scores(scale: str) -> tuple[int, ...]:
    """Best first. The three-point question is stored on the five-point scale: 5 / 3 / 1."""
    return (5, 3, 1) if scale == RatingScale.THREE else (5, 4, 3, 2, 1)


def score_label(score: int, scale: str) -> str:
    """Good / okay / bad on three points, "n of 5 stars" on five."""
    if scale == RatingScale.THREE:
        if score >= 4:
            return _("Good")
        return _("Okay") if score == 3 else _("Bad")
    return ngettext("%(n)d of 5 stars", "%(n)d of 5 stars", score) % {"n": score}
