"""The audit log's own retention rule: a beat task deletes events older than
DESTEK_AUDIT_RETENTION_DAYS, in batches, and says so in the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from destek.audit.models import Action, AuditEvent
from destek.audit.retention import audit_log_purge
from destek.audit.tasks import purge_audit_log

pytestmark = pytest.mark.django_db


def _aged(days: float, n: int = 1) -> None:
    at = timezone.now() - timedelta(days=days)
    AuditEvent.objects.bulk_create(
        [AuditEvent(action=Action.SIGN_IN, actor_label=f"u{i}@example.com", at=at)
         for i in range(n)])


def test_older_events_go_and_younger_stay(settings):
    settings.DESTEK_AUDIT_RETENTION_DAYS = 30
    _aged(31, n=7)
    _aged(29, n=2)
    assert purge_audit_log.delay().get() == 7
    left = AuditEvent.objects.exclude(action=Action.RETENTION_RUN)
    assert left.count() == 2
    [run] = AuditEvent.objects.filter(action=Action.RETENTION_RUN)
    assert run.detail == {"rule": "audit_log", "retention_days": 30, "deleted": 7}
    # Running again removes nothing and records nothing more (idempotent).
    assert audit_log_purge() == 0
    assert AuditEvent.objects.filter(action=Action.RETENTION_RUN).count() == 1


def test_batches_are_bounded_per_run(settings):
    settings.DESTEK_AUDIT_RETENTION_DAYS = 1
    _aged(5, n=25)
    # 2 batches of 10 at most: 5 events wait for the next run.
    assert audit_log_purge(batch=10, max_batches=2) == 20
    assert AuditEvent.objects.exclude(action=Action.RETENTION_RUN).count() == 5
    assert audit_log_purge(batch=10, max_batches=2) == 5


def test_zero_keeps_events_forever(settings):
    settings.DESTEK_AUDIT_RETENTION_DAYS = 0
    _aged(5000)
    assert audit_log_purge() == 0
    assert AuditEvent.objects.count() == 1


def test_the_default_is_a_year_and_beat_runs_it():
    assert django_settings.DESTEK_AUDIT_RETENTION_DAYS == 365
    entry = django_settings.CELERY_BEAT_SCHEDULE["audit-purge"]
    assert entry["task"] == purge_audit_log.name
    assert entry["schedule"] <= 24 * 3600
