"""Celery tasks: thin adapters over destek.privacy.export_jobs; they take ids and can run
twice without harm (a finished job is left alone)."""

from __future__ import annotations

from celery import shared_task

from destek.privacy import export_jobs


@shared_task(name="destek.privacy.export_tasks.export_run")
def export_run(job_id: int) -> str:
    job = export_jobs.export_run(job_id=int(job_id))
    return job.status if job is not None else "skipped"


@shared_task(name="destek.privacy.export_tasks.export_sweep")
def export_sweep() -> int:
    """Beat ("privacy-export-sweep"): delete expired export files, restart lost jobs."""
    for job_id in export_jobs.stalled_jobs():
        export_run.delay(job_id)
    return export_jobs.export_expire()
