"""Settings → Satisfaction ratings: the administrator's choices about how customers are asked."""

from __future__ import annotations

from django.utils import timezone

from destek.feedback.models import FeedbackSettings, RatingScale
from destek.feedback.selectors import feedback_settings

# Bounds that keep a typo harmless (a 0-day link, a rating changeable for ten years).
MAX_CHANGE_WINDOW_DAYS = 365
MAX_LINK_VALID_DAYS = 365


def satisfaction_settings_update(*, scale: str, change_window_days: int,
                                 link_valid_days: int) -> tuple[FeedbackSettings, list[str]]:
    """Save the rating scale, how long a rating stays changeable and how long the email's
    links work; returns the row and the names of the fields that changed. Ratings already
    given keep their scale (the three-point answers are stored as 5 / 3 / 1)."""
    if scale not in RatingScale.values:
        raise ValueError("unknown scale")
    row = feedback_settings()
    wanted = {"scale": scale,
              "change_window_days": max(0, min(change_window_days, MAX_CHANGE_WINDOW_DAYS)),
              "link_valid_days": max(1, min(link_valid_days, MAX_LINK_VALID_DAYS))}
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, wanted[name])
        row.updated_at = timezone.now()
        row.save(update_fields=[*changed, "updated_at"])
    return row, changed
