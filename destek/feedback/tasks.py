"""Feedback's scheduled work (Celery autodiscovers this module)."""

from __future__ import annotations

from celery import shared_task

from destek.feedback import nps


@shared_task(name="destek.feedback.tasks.nps_send_due", ignore_result=True)
def nps_send_due() -> int:
    """The hourly NPS run (CELERY_BEAT_SCHEDULE "feedback-nps-send"); returns how many."""
    return nps.nps_send_due().sent
