"""The admin's decisions on an uploaded import: go ahead (in the background), or drop it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from destek.hosting.imports import forget_file
from destek.hosting.models import ImportJob, ImportState
from destek.hosting.tasks import hosting_import


def import_start(*, job: ImportJob) -> ImportJob:
    """The admin confirmed the preview: import in the background."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != ImportState.UPLOADED:
            return locked
        locked.state = ImportState.QUEUED
        locked.save(update_fields=["state"])
        transaction.on_commit(lambda: hosting_import.delay(locked.pk))
    return locked


def import_cancel(*, job: ImportJob) -> ImportJob:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != ImportState.UPLOADED:
            return locked
        locked.state = ImportState.CANCELLED
        locked.finished_at = timezone.now()
        forget_file(locked)
        locked.save(update_fields=["state", "finished_at", "file"])
    return locked
