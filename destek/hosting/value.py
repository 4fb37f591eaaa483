"""What services are worth: plain arithmetic, no queries (the services module feeds it rows)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from destek.hosting.models import BILLED_STATUSES, CYCLE_MONTHS, BillingCycle, Tier

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Priced:
    """The fields of a service its value depends on."""

    status: str
    billing_cycle: str
    recurring_amount: Decimal
    currency: str
    started_on: date | None
    ended_on: date | None


@dataclass(frozen=True)
class Worth:
    monthly_value: Decimal
    lifetime_value: Decimal
    customer_since: date | None
    active_services: int


def in_base(amount: Decimal, currency: str, *, base: str,
            rates: Mapping[str, object]) -> Decimal | None:
    """`amount` in the base currency; None when no rate is known for `currency`."""
    if currency.upper() == base.upper():
        return amount
    rate = rates.get(currency.upper())
    if rate is None:
        return None
    try:
        return amount * Decimal(str(rate))
    except ArithmeticError:
        return None


def monthly(service: Priced, *, base: str, rates: Mapping[str, object]) -> Decimal:
    """What the service brings in per month, in the base currency (0 when it is not billed)."""
    months = CYCLE_MONTHS.get(service.billing_cycle)
    if not months or service.status not in BILLED_STATUSES:
        return Decimal("0")
    amount = in_base(service.recurring_amount, service.currency, base=base, rates=rates)
    return Decimal("0") if amount is None else amount / months


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (at least one: the first payment)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(1, months + 1)


def lifetime(service: Priced, *, today: date, base: str, rates: Mapping[str, object]) -> Decimal:
    """What the service has brought in since it started: one payment per cycle begun."""
    amount = in_base(service.recurring_amount, service.currency, base=base, rates=rates)
    if amount is None or service.started_on is None or service.billing_cycle == BillingCycle.FREE:
        return Decimal("0")
    if service.billing_cycle == BillingCycle.ONE_TIME:
        return amount
    months = CYCLE_MONTHS.get(service.billing_cycle, 1)
    end = min(service.ended_on or today, today)
    if end < service.started_on:
        return Decimal("0")
    payments = -(-months_between(service.started_on, end) // months)  # cycles begun
    return amount * payments


def worth(services: Iterable[Priced], *, today: date, base: str,
          rates: Mapping[str, object]) -> Worth:
    total_monthly = Decimal("0")
    total_lifetime = Decimal("0")
    since: date | None = None
    active = 0
    for service in services:
        total_monthly += monthly(service, base=base, rates=rates)
        total_lifetime += lifetime(service, today=today, base=base, rates=rates)
        if service.started_on and (since is None or service.started_on < since):
            since = service.started_on
        if service.status in BILLED_STATUSES:
            active += 1
    return Worth(monthly_value=total_monthly.quantize(CENT, ROUND_HALF_UP),
                 lifetime_value=total_lifetime.quantize(CENT, ROUND_HALF_UP),
                 customer_since=since, active_services=active)


def tier_for(monthly_value: Decimal, *, plus_from: Decimal, key_account_from: Decimal) -> str:
    if monthly_value >= key_account_from:
        return Tier.KEY
    if monthly_value >= plus_from:
        return Tier.PLUS
    return Tier.STANDARD
