"""Celery tasks: thin adapters over destek.hosting.imports; they take ids and can run twice
without harm (a finished job is left alone, a running one resumes where it stands)."""

from __future__ import annotations

from celery import shared_task

from destek.hosting import imports


@shared_task(name="destek.hosting.tasks.hosting_import")
def hosting_import(job_id: int) -> str:
    return str(imports.import_run(job_id=int(job_id)).state)


@shared_task(name="destek.hosting.tasks.hosting_import_sweep")
def hosting_import_sweep() -> int:
    """Beat ("hosting-import-sweep"): an import whose worker died is resumed."""
    ids = imports.stalled_imports()
    for job_id in ids:
        hosting_import.delay(job_id)
    return len(ids)
