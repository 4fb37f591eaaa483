"""How long the delivery log keeps finished deliveries (DESTEK_WEBHOOK_LOG_DAYS).

Delivered and failed rows older than that are deleted by a daily beat task, a batch at a
time; rows still to send are never touched, whatever their age."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from destek.webhooks.models import Delivery, DeliveryState

BATCH = 1000
FINISHED = (DeliveryState.DELIVERED, DeliveryState.FAILED)


def purge_old_deliveries(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Delete the finished deliveries created before the log's horizon; returns how many."""
    horizon = (now or timezone.now()) - timedelta(days=settings.DESTEK_WEBHOOK_LOG_DAYS)
    deleted = 0
    while True:
        ids = list(Delivery.objects.filter(state__in=FINISHED, created_at__lt=horizon)
                   .order_by("created_at", "pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Delivery.objects.filter(pk__in=ids).delete()[0]
