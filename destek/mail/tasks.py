"""Celery tasks of the email channel; they take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="destek.mail.tasks.process_inbound_email")
def process_inbound_email(inbound_id: int) -> str:
    from destek.mail import processing

    return processing.process(int(inbound_id))


@shared_task(name="destek.mail.tasks.process_waiting_inbound")
def process_waiting_inbound() -> int:
    """A coalesced wake-up (destek.mail.wakeup): file the oldest waiting batch."""
    from destek.mail import processing

    return processing.process_waiting()


@shared_task(name="destek.mail.tasks.sweep_inbound")
def sweep_inbound() -> int:
    """Scheduled by beat ("mail-inbound-sweep"): re-enqueue mail whose task was lost."""
    from destek.mail import processing

    ids = processing.sweep()
    for inbound_id in ids:
        processing.enqueue(inbound_id)
    return len(ids)
