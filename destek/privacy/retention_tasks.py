"""The daily beat task that applies the retention rules (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from destek.privacy.retention import apply_retention, retention_policy_get


@shared_task(name="destek.privacy.retention_tasks.apply_retention_rules")
def apply_retention_rules() -> dict[str, int]:
    """Idempotent: what was purged is no longer due, so a second run finds nothing."""
    return asdict(apply_retention(retention_policy_get(), dry_run=False))
