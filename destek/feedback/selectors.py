"""Reads every screen asks of feedback."""

from __future__ import annotations

from destek.feedback.models import FeedbackSettings, Recovery, RecoveryState


def feedback_settings() -> FeedbackSettings:
    """The one settings row (created with the defaults on first read)."""
    row = FeedbackSettings.objects.order_by("pk").first()
    return row or FeedbackSettings.objects.create()


def is_at_risk(customer_id: int | None) -> bool:
    """Whether the customer has an open recovery (one indexed query)."""
    if customer_id is None:
        return False
    return Recovery.objects.filter(customer_id=customer_id, state=RecoveryState.OPEN).exists()
