"""Facts feedback publishes on the bus (destek.core.bus); destek.wiring decides who hears them."""

from __future__ import annotations

from dataclasses import dataclass

from destek.feedback.models import Rating


@dataclass(frozen=True)
class RatingRecorded:
    """A customer rated a ticket or a chat, or changed their rating (`created` False;
    `previous_score` then holds the score before)."""

    rating: Rating
    created: bool
    previous_score: int | None = None
