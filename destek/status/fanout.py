"""Telling everyone an incident update concerns, once each: the affected customers (by
email, in their language, through the outbox) and the subscribers (email or signed
webhook). Runs in the background after the update commits; the update's counters are the
sender's progress bar.

`schedule` marks the update sending in the caller's transaction; after the commit a task
walks the recipients batch by batch (destek.status.sending, one task per batch), and the
sweeper resumes a fan-out whose worker died (destek.status.fanout_tasks).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from destek.status import fanout_tasks
from destek.status.models import FanoutState, IncidentUpdate


def schedule(update: IncidentUpdate) -> None:
    """Send `update` once the current transaction commits."""
    if update.fanout_state != FanoutState.NOT_SENT:
        return
    update.fanout_state = FanoutState.SENDING
    update.fanout_progress_at = timezone.now()
    update.save(update_fields=["fanout_state", "fanout_progress_at"])
    transaction.on_commit(lambda: _start(update.pk))


def _start(update_id: int) -> None:
    """The first batch (it counts the recipients); each batch enqueues the next."""
    fanout_tasks.enqueue_step(update_id, 0)
