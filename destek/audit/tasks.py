"""Celery tasks of the audit log: thin adapters, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from destek.audit.retention import audit_log_purge


@shared_task(name="destek.audit.tasks.purge_audit_log")
def purge_audit_log() -> int:
    return audit_log_purge()
