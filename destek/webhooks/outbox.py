"""The one way to queue a webhook delivery: a `Delivery` row in the caller's transaction.

The event exists if and only if the change that caused it committed; after commit a task is
sent to deliver the new rows (`delivery.py`), and the beat sweep picks up anything a lost
task or a killed worker left behind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from destek.webhooks.models import Delivery, Endpoint


def subscribed_endpoints(event_type: str) -> list[Endpoint]:
    """The active endpoints subscribed to `event_type` (see `selectors.subscribers_of`,
    cached per process by version, for the hot path)."""
    return [endpoint for endpoint in Endpoint.objects.filter(is_active=True)
            if event_type in endpoint.events]


def enqueue(*, endpoints: Iterable[Endpoint], event_type: str,
            payload: dict[str, Any]) -> list[Delivery]:
    """One delivery per endpoint, all carrying one event id (a receiver dedupes on it)."""
    endpoints = list(endpoints)
    if not endpoints:
        return []
    now = timezone.now()
    rows = [Delivery(endpoint=endpoint, event_type=event_type, payload=payload,
                     next_attempt_at=now, created_at=now) for endpoint in endpoints]
    event_id = rows[0].event_id
    for row in rows:
        row.event_id = event_id
    created = Delivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: _deliver_soon(ids), robust=True)
    return created


def _deliver_soon(ids: list[int]) -> None:
    from destek.webhooks.tasks import deliver  # the worker's entry point (delivery.py)

    deliver.delay(ids)
