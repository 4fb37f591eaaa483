"""Celery tasks: thin adapters over the SLA services; idempotent, safe to run twice."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from destek.sla.services import recompute, scan


@shared_task(name="destek.sla.tasks.sla_scan")
def sla_scan(now: str | None = None) -> int:
    """Beat, every 30 s ("sla-scan"). `now` (ISO 8601) lets tests drive the clock."""
    at = datetime.fromisoformat(now) if now else None
    return len(scan.sla_scan(now=at).sent)


@shared_task(name="destek.sla.tasks.sla_recompute")
def sla_recompute(job_id: int) -> str:
    return recompute.recompute_run(job_id=int(job_id)).state


@shared_task(name="destek.sla.tasks.sla_recompute_sweep")
def sla_recompute_sweep() -> int:
    """Beat: a recomputation whose worker died (no heartbeat) is resumed where it stopped."""
    ids = recompute.stalled_jobs()
    for job_id in ids:
        sla_recompute.delay(job_id)
    return len(ids)
