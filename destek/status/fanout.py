"""Telling everyone an incident update concerns, once each: the affected customers (by
email, in their language, through the outbox) and the subscribers (email or signed
webhook). Runs in the background after the update commits; the update's counters are the
sender's progress bar.
"""

from __future__ import annotations

from django.db import transaction

from destek.status.models import FanoutState, IncidentUpdate


def schedule(update: IncidentUpdate) -> None:
    """Send `update` once the current transaction commits."""
    if update.fanout_state != FanoutState.NOT_SENT:
        return
    update.fanout_state = FanoutState.SENDING
    update.save(update_fields=["fanout_state"])
    transaction.on_commit(lambda: _start(update.pk))


def _start(update_id: int) -> None:
    # Filled in by the fan-out (destek.status.tasks): a task per update, in batches.
    pass
