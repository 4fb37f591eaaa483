"""The audit log's own retention rule: events older than DESTEK_AUDIT_RETENTION_DAYS go."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from destek.audit.log import Action, record
from destek.audit.models import AuditEvent

BATCH = 1000
# One run deletes at most this many batches (a backlog after the setting was lowered is
# worked off over the next runs, without one long transaction or a run that never ends).
MAX_BATCHES = 100


def audit_log_purge(*, batch: int = BATCH, max_batches: int = MAX_BATCHES) -> int:
    """Delete expired events, oldest first, a batch per transaction (each a range of the
    index on `at`); returns how many went. The purge itself is recorded when it removed any."""
    days = int(getattr(settings, "DESTEK_AUDIT_RETENTION_DAYS", 365))
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    for _n in range(max_batches):
        with transaction.atomic():
            ids = list(AuditEvent.objects.filter(at__lt=cutoff).order_by("at", "id")
                       .values_list("id", flat=True)[:batch])
            if not ids:
                break
            AuditEvent.objects.filter(id__in=ids).delete()
        deleted += len(ids)
        if len(ids) < batch:
            break
    if deleted:
        record(Action.RETENTION_RUN, target="audit_log", rule="audit_log",
               retention_days=days, deleted=deleted)
    return deleted
