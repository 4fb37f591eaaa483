"""Automation's scheduled work (Celery autodiscovers this module)."""

from __future__ import annotations

from celery import shared_task

from destek.automation import schedules


@shared_task(name="destek.automation.tasks.run_automations", ignore_result=True)
def run_automations() -> int:
    """Every 5 minutes (CELERY_BEAT_SCHEDULE "automation-run"): each active automation on
    the tickets that crossed its threshold since its previous run; returns how many fired.
    Safe to run twice at once (AutomationApplied)."""
    return sum(result.fired for result in schedules.run_due())
