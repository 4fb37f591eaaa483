"""Celery entry points (helper "webhooks" builds delivery.py behind them)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def deliver(ids: list[int]) -> None:
    """Send these deliveries now (each claimed with a lease)."""
