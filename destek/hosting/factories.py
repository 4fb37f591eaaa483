"""Test factories for hosting services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from destek.accounts.factories import CustomerFactory
from destek.hosting.models import BillingCycle, Service, ServiceKind, ServiceStatus


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    customer = factory.SubFactory(CustomerFactory)
    kind = ServiceKind.SHARED
    plan = "Starter"
    status = ServiceStatus.ACTIVE
    domain = factory.Sequence(lambda n: f"site{n}.example.com")
    server = "web01.dc1"
    datacenter = "Istanbul"
    started_on = date(2025, 1, 15)
    renews_on = date(2027, 1, 15)
    billing_cycle = BillingCycle.MONTHLY
    recurring_amount = Decimal("10.00")
    currency = "USD"
