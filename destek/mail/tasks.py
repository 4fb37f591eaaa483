"""Celery tasks of the email channel; they take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="destek.mail.tasks.process_inbound_email")
def process_inbound_email(inbound_id: int) -> str:
    from destek.mail import processing

    return processing.process(int(inbound_id))
