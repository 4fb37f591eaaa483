"""The suggestions board's background work: telling a popular idea's followers about a status
change (destek.ideas.notices.notify_change, idempotent per person)."""

from __future__ import annotations

from celery import shared_task

from destek.ideas import notices


@shared_task(name="destek.ideas.tasks.notify_status_change", acks_late=True)
def notify_status_change(change_id: int) -> int:
    return notices.notify_change(change_id=int(change_id))
