"""The delivery log's retention: finished deliveries past the horizon go, the rest stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from destek.webhooks.models import Delivery, DeliveryState, Endpoint
from destek.webhooks.retention import purge_old_deliveries

pytestmark = pytest.mark.django_db


def _delivery(endpoint: Endpoint, state: str, age_days: float) -> Delivery:
    return Delivery.objects.create(endpoint=endpoint, event_type="ticket.created",
                                   payload={"n": 1}, state=state,
                                   created_at=timezone.now() - timedelta(days=age_days))


def test_only_finished_deliveries_past_the_horizon_are_deleted(settings) -> None:
    settings.DESTEK_WEBHOOK_LOG_DAYS = 30
    endpoint = Endpoint.objects.create(name="CRM", url="https://93.184.215.14/hook",
                                       events=["ticket.created"])
    old_delivered = [_delivery(endpoint, DeliveryState.DELIVERED, 31 + n) for n in range(5)]
    old_failed = _delivery(endpoint, DeliveryState.FAILED, 40)
    kept = [
        _delivery(endpoint, DeliveryState.DELIVERED, 29),  # inside the horizon
        _delivery(endpoint, DeliveryState.PENDING, 90),  # still to send: never deleted
        _delivery(endpoint, DeliveryState.RETRYING, 90),
    ]

    assert purge_old_deliveries(batch=2) == len(old_delivered) + 1  # in several batches

    remaining = set(Delivery.objects.values_list("pk", flat=True))
    assert remaining == {d.pk for d in kept}
    assert not remaining & {d.pk for d in [*old_delivered, old_failed]}
    assert purge_old_deliveries() == 0  # a second run finds nothing
