"""How a rating reads: stars on the five-point scale, words on both."""

from __future__ import annotations

from django import template

from destek.feedback.models import Rating
from destek.feedback.scales import score_label

register = template.Library()


@register.simple_tag
def stars(score: int) -> str:
    score = max(0, min(5, int(score or 0)))
    return "★" * score + "☆" * (5 - score)


@register.simple_tag
def score_words(rating: Rating) -> str:
    return score_label(rating.score, rating.scale)


@register.filter
def average_stars(value: float | None) -> str:
    """An average score as "4.2 / 5" (empty when there is none)."""
    return "" if value is None else f"{value:.1f} / 5"
