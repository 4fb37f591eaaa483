"""The one way to queue a webhook delivery: a `Delivery` row in the caller's transaction.

The event exists if and only if the change that caused it committed; after commit a task is
sent to deliver the new rows (`delivery.py`), and the beat sweep picks up anything a lost
task or a killed worker left behind."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from destek.webhooks.models import Delivery, Endpoint

logger = logging.getLogger(__name__)


def enqueue(*, endpoints: Iterable[Endpoint | int], event_type: str,
            payload: dict[str, Any]) -> list[Delivery]:
    """One delivery per endpoint (objects or ids), all carrying one event id (a receiver
    dedupes on it). Endpoints deleted meanwhile (a cached subscription list a moment old)
    are left out rather than failing the caller's transaction."""
    wanted = list(dict.fromkeys(e.pk if isinstance(e, Endpoint) else int(e) for e in endpoints))
    if not wanted:
        return []
    existing = set(Endpoint.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    wanted = [pk for pk in wanted if pk in existing]
    if not wanted:
        return []
    now = timezone.now()
    rows = [Delivery(endpoint_id=pk, event_type=event_type, payload=payload,
                     next_attempt_at=now, created_at=now) for pk in wanted]
    event_id = rows[0].event_id
    for row in rows:
        row.event_id = event_id
    created = Delivery.objects.bulk_create(rows)
    deliver_after_commit([row.pk for row in created])
    return created


def deliver_after_commit(ids: list[int]) -> None:
    transaction.on_commit(lambda: deliver_soon(ids), robust=True)


def deliver_soon(ids: list[int]) -> None:
    """Send the delivery task; a broker failure is logged, the beat sweep delivers later."""
    from destek.webhooks.tasks import deliver  # the worker's entry point (delivery.py)

    try:
        deliver.delay(list(ids))
    except Exception:  # the rows are safe in the database
        logger.warning("Could not enqueue webhook deliveries %s", ids, exc_info=True)
