"""The customer panel's two reads (`service_rows_for_customer`, `value_row_of`, written by hand
in `hosting.sql`): whose services, in which order, how many, and values typed as the ORM types
them, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destek.accounts.factories import CustomerFactory
from destek.accounts.models import Organization
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import BillingCycle, Service, ServiceStatus, Tier
from destek.hosting.selectors import SERVICE_ROW_FIELDS, service_rows_for_customer, value_row_of
from destek.hosting.services import customer_account, refresh_values

pytestmark = pytest.mark.django_db


def aged(service: Service, days: int) -> Service:
    Service.objects.filter(pk=service.pk).update(
        updated_at=timezone.now() - timedelta(days=days))
    return service


def test_own_and_organization_s_services_the_asked_one_first_live_ones_next(customer):
    org = Organization.objects.create(name="Anadolu Ajans")
    customer.organization = org
    customer.save()
    cancelled = aged(ServiceFactory(customer=customer, status=ServiceStatus.CANCELLED), 1)
    company = aged(ServiceFactory(customer=None, organization=org), 2)
    old = aged(ServiceFactory(customer=customer), 30)
    elsewhere = ServiceFactory(customer=CustomerFactory())  # someone else's, the ticket's
    ServiceFactory(customer=CustomerFactory())  # someone else's, not asked for

    with CaptureQueriesContext(connection) as queries:
        rows = service_rows_for_customer(customer, first_id=elsewhere.pk, limit=10)
    assert len(queries) == 1
    assert [r["id"] for r in rows] == [elsewhere.pk, company.pk, old.pk, cancelled.pk]
    assert set(rows[0]) == set(SERVICE_ROW_FIELDS)
    assert [r["id"] for r in service_rows_for_customer(customer)] == [
        company.pk, old.pk, cancelled.pk]


def test_the_cut_keeps_the_asked_service_and_the_latest(customer):
    services = [aged(ServiceFactory(customer=customer), days) for days in range(10, 0, -1)]
    oldest = services[0]
    rows = service_rows_for_customer(customer, first_id=oldest.pk, limit=3)
    assert [r["id"] for r in rows] == [oldest.pk, services[-1].pk, services[-2].pk]


def test_rows_hold_dates_and_text_as_the_orm_reads_them(customer):
    service = ServiceFactory(customer=customer, renews_on=date(2027, 3, 1), domain="a.example",
                             control_panel_url="https://a.example:2083/")
    (row,) = service_rows_for_customer(customer)
    expected = Service.objects.filter(pk=service.pk).values(*SERVICE_ROW_FIELDS).get()
    assert row == expected
    assert isinstance(row["renews_on"], date)


def test_the_value_is_the_organization_s_or_the_customer_s_own(customer):
    assert value_row_of(customer) is None
    ServiceFactory(customer=customer, recurring_amount=Decimal("600"),
                   started_on=date(2024, 5, 2))
    ServiceFactory(customer=customer, recurring_amount=Decimal("120.5"),
                   billing_cycle=BillingCycle.ANNUALLY)
    refresh_values(customer_account(customer))
    row = value_row_of(customer)
    assert row == {"tier": Tier.KEY, "monthly_value": Decimal("610.04"),
                   "customer_since": date(2024, 5, 2)}
    assert str(row["monthly_value"]) == "610.04"

    org = Organization.objects.create(name="Anadolu Ajans")
    customer.organization = org
    customer.save()
    assert value_row_of(customer) is None  # the organization's account has no value yet
    ServiceFactory(customer=None, organization=org, recurring_amount=Decimal("60"))
    refresh_values(customer_account(customer))
    found = value_row_of(customer)
    assert found is not None and found["tier"] == Tier.KEY
    assert found["monthly_value"] == Decimal("670.04")  # the member's services count there
