"""What a customer is worth: the arithmetic, and the stored value following service changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import BillingCycle, CustomerValue, HostingSettings, ServiceStatus, Tier
from destek.hosting.services import refresh_all_values, service_delete, service_save
from destek.hosting.value import Priced, lifetime, monthly, months_between, tier_for, worth

RATES = {"EUR": "1.10", "TRY": "0.03"}


def priced(**kw: object) -> Priced:
    values: dict[str, object] = {"status": "active", "billing_cycle": "annually",
                                     "recurring_amount": Decimal("120"), "currency": "USD",
                                     "started_on": date(2025, 1, 10), "ended_on": None}
    values.update(kw)
    return Priced(**values)  # type: ignore[arg-type]


def test_monthly_value_spreads_a_cycle_and_converts_currency() -> None:
    assert monthly(priced(), base="USD", rates=RATES) == Decimal("10")
    assert monthly(priced(currency="EUR"), base="USD", rates=RATES) == Decimal("11")
    # no rate: left out rather than counted at a wrong value
    assert monthly(priced(currency="GBP"), base="USD", rates=RATES) == 0
    assert monthly(priced(status=ServiceStatus.CANCELLED), base="USD", rates=RATES) == 0
    assert monthly(priced(billing_cycle=BillingCycle.ONE_TIME), base="USD", rates=RATES) == 0


def test_lifetime_counts_each_cycle_begun() -> None:
    today = date(2026, 12, 7)
    assert months_between(date(2025, 1, 10), today) == 23
    # 23 months of an annual plan: two payments
    assert lifetime(priced(), today=today, base="USD", rates=RATES) == Decimal("240")
    monthly_plan = priced(billing_cycle=BillingCycle.MONTHLY, recurring_amount=Decimal("5"))
    assert lifetime(monthly_plan, today=today, base="USD", rates=RATES) == Decimal("115")
    ended = priced(billing_cycle=BillingCycle.MONTHLY, recurring_amount=Decimal("5"),
                   ended_on=date(2025, 3, 9))
    assert lifetime(ended, today=today, base="USD", rates=RATES) == Decimal("10")
    assert lifetime(priced(billing_cycle=BillingCycle.ONE_TIME), today=today, base="USD",
                    rates=RATES) == Decimal("120")


def test_worth_and_tier() -> None:
    w = worth([priced(), priced(started_on=date(2024, 5, 1), status="suspended"),
               priced(status="cancelled")], today=date(2026, 12, 7), base="USD", rates=RATES)
    assert w.monthly_value == Decimal("20.00")
    assert w.customer_since == date(2024, 5, 1)
    assert w.active_services == 2
    thresholds = {"plus_from": Decimal("50"), "key_account_from": Decimal("500")}
    assert tier_for(Decimal("49.99"), **thresholds) == Tier.STANDARD
    assert tier_for(Decimal("50"), **thresholds) == Tier.PLUS
    assert tier_for(Decimal("500"), **thresholds) == Tier.KEY


@pytest.mark.django_db
def test_a_person_s_value_follows_their_services() -> None:
    customer = CustomerFactory()
    service = ServiceFactory.build(customer=customer, recurring_amount=Decimal("60"))
    service_save(service=service)
    value = CustomerValue.objects.get(customer=customer)
    assert (value.monthly_value, value.tier) == (Decimal("60.00"), Tier.PLUS)

    service.recurring_amount = Decimal("600")
    service_save(service=service)
    value.refresh_from_db()
    assert (value.monthly_value, value.tier) == (Decimal("600.00"), Tier.KEY)

    service_delete(service=service)
    value.refresh_from_db()
    assert (value.monthly_value, value.tier, value.active_services) == (0, Tier.STANDARD, 0)


@pytest.mark.django_db
def test_an_organization_s_value_counts_its_people_s_services_too() -> None:
    organization = OrganizationFactory()
    alice = CustomerFactory(organization=organization)
    service_save(service=ServiceFactory.build(customer=None, organization=organization,
                                              recurring_amount=Decimal("300")))
    service_save(service=ServiceFactory.build(customer=alice, recurring_amount=Decimal("250")))
    value = CustomerValue.objects.get(organization=organization)
    assert (value.monthly_value, value.tier, value.active_services) == (
        Decimal("550.00"), Tier.KEY, 2)
    assert not CustomerValue.objects.filter(customer=alice).exists()


@pytest.mark.django_db
def test_new_thresholds_retier_every_account() -> None:
    customer = CustomerFactory()
    service_save(service=ServiceFactory.build(customer=customer, recurring_amount=Decimal("60")))
    HostingSettings.objects.update(plus_from=Decimal("100"))
    assert refresh_all_values() == 1
    assert CustomerValue.objects.get(customer=customer).tier == Tier.STANDARD
