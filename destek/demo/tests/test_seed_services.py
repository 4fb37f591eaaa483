"""`destek seed --services N`: customers own 0–N services (mean 2.5), tickets name one of
their customer's, and every account's value is the one `hosting.services` would compute."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from destek.demo.seeding.services import MEAN_SERVICES, count_weights
from destek.hosting.models import CustomerValue, Service
from destek.hosting.services import refresh_all_values
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def seed(tmp_path: Path, **options: object) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "fixture.json"
    call_command("seed", out=str(out), no_progress=True, password="bench-pass-123",
                 stdout=io.StringIO(), **options)
    return json.loads(out.read_text())


@pytest.mark.parametrize("most", [5, 8, 12])
def test_the_mix_averages_two_and_a_half_services_whatever_the_maximum(most):
    weights = count_weights(most)
    assert len(weights) == most + 1 and abs(sum(weights) - 1) < 1e-9
    assert abs(sum(k * w for k, w in enumerate(weights)) - MEAN_SERVICES) < 1e-6
    assert weights[0] > 0 and weights[1] == max(weights)  # prospects; most own one


def test_seeded_services_belong_to_their_tickets_customers_and_are_valued(tmp_path):
    fixture = seed(tmp_path, tickets=300, customers=120, agents=4, departments=3,
                   bench_customers=2, services=6)
    services = Service.objects.count()
    assert fixture["counts"]["services"] == services
    assert 0.6 * 2.5 * 122 < services < 1.4 * 2.5 * 122
    per_customer = (Service.objects.filter(customer__isnull=False).values("customer")
                    .annotate(n=Count("id")).order_by("-n").first())
    assert per_customer is not None and per_customer["n"] <= 6
    # A ticket's service is its customer's own or their organization's.
    about = Ticket.objects.filter(service__isnull=False)
    assert about.count() > 100
    assert not about.exclude(Q(service__customer_id=F("customer_id"))
                             | Q(service__organization_id=F("customer__organization_id"))
                             ).exists()
    # The values written in bulk are those refresh_values computes, row for row.
    seeded = {(v.customer_id, v.organization_id): (v.monthly_value, v.lifetime_value,
                                                   v.customer_since, v.tier)
              for v in CustomerValue.objects.all()}
    assert seeded and {t for *_x, t in seeded.values()} >= {"standard"}
    refresh_all_values()
    again = {(v.customer_id, v.organization_id): (v.monthly_value, v.lifetime_value,
                                                  v.customer_since, v.tier)
             for v in CustomerValue.objects.all()}
    assert again == seeded


def test_without_services_the_other_rows_are_unchanged(tmp_path):
    seed(tmp_path, tickets=40, customers=15, agents=3, departments=2, bench_customers=1)
    assert not Service.objects.exists() and not CustomerValue.objects.exists()
    assert not Ticket.objects.filter(service__isnull=False).exists()
