"""Celery tasks of the WHMCS sync (listed in CELERY_IMPORTS): thin, they take ids, and running
one twice is harmless (the second finds the connection claimed or not yet due)."""

from __future__ import annotations

from celery import shared_task

from destek.hosting.whmcs.run import due_connection_ids, sync_connection


@shared_task(name="destek.hosting.whmcs.tasks.whmcs_sync_due")
def whmcs_sync_due() -> int:
    """Beat's entry, every minute: one task per enabled connection whose interval elapsed.
    A task no worker took within the minute is dropped; the next tick queues it again."""
    ids = due_connection_ids()
    for connection_id in ids:
        whmcs_sync.apply_async((connection_id,), expires=60)
    return len(ids)


@shared_task(name="destek.hosting.whmcs.tasks.whmcs_sync")
def whmcs_sync(connection_id: int, manual: bool = False) -> str:
    run = sync_connection(connection_id=int(connection_id), manual=manual)
    return run.status if run else "skipped"
