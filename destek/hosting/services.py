"""Writes: services in and out, and each account's worth kept up to date with them.

Every write that can move a customer's worth ends in `refresh_values` for the accounts it
touched, in the same transaction: the value and tier the desk shows are never a stale guess,
and nothing ever sums a whole table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, F, Q, Value
from django.utils import timezone

from destek.accounts.models import User
from destek.core import bus
from destek.hosting.domain_events import CustomerTiersChanged, TierChange
from destek.hosting.models import CustomerValue, Service, Tier
from destek.hosting.selectors import hosting_settings
from destek.hosting.value import Priced, tier_for, worth

PRICED_FIELDS = ("status", "billing_cycle", "recurring_amount", "currency", "started_on",
                 "ended_on")


@dataclass
class Accounts:
    """Whose worth a change may have moved: organizations and people without one."""

    organization_ids: set[int] = field(default_factory=set)
    customer_ids: set[int] = field(default_factory=set)

    def add_service(self, *, customer_id: int | None, organization_id: int | None,
                    customer_organization_id: int | None) -> None:
        org = organization_id or customer_organization_id
        if org:
            self.organization_ids.add(org)
        elif customer_id:
            self.customer_ids.add(customer_id)

    def __bool__(self) -> bool:
        return bool(self.organization_ids or self.customer_ids)


def accounts_of(service_ids: Iterable[int]) -> Accounts:
    accounts = Accounts()
    for row in Service.objects.filter(pk__in=list(service_ids)).values(
            "customer_id", "organization_id", "customer__organization_id"):
        accounts.add_service(customer_id=row["customer_id"],
                             organization_id=row["organization_id"],
                             customer_organization_id=row["customer__organization_id"])
    return accounts


@transaction.atomic
def service_save(*, service: Service) -> Service:
    """Create or change a service typed in by hand (admin, desk); its account's worth moves
    with it. Imports and syncs use `hosting.imports`, which batches the same steps."""
    before = accounts_of([service.pk]) if service.pk else Accounts()
    service.updated_at = timezone.now()
    service.full_clean()
    service.save()
    after = accounts_of([service.pk])
    refresh_values(Accounts(before.organization_ids | after.organization_ids,
                            before.customer_ids | after.customer_ids))
    return service


@transaction.atomic
def service_delete(*, service: Service) -> None:
    accounts = accounts_of([service.pk])
    service.delete()
    refresh_values(accounts)


def refresh_values(accounts: Accounts, *, today: date | None = None) -> int:
    """Recompute the worth of these accounts from their services: one read of their services,
    one read of their tiers and one write per kind of account. Returns how many accounts
    were written. Accounts whose tier moved are published (CustomerTiersChanged): rules
    that match on tiers follow (destek.wiring)."""
    if not accounts:
        return 0
    today = today or timezone.localdate()
    settings_row = hosting_settings()
    base, rates = settings_row.base_currency, settings_row.exchange_rates or {}
    by_org: dict[int, list[Priced]] = defaultdict(list)
    by_customer: dict[int, list[Priced]] = defaultdict(list)
    for row in _services_of_accounts(accounts):
        priced = Priced(**{name: row[name] for name in PRICED_FIELDS})
        org = row["owner_org"]
        if org:
            by_org[org].append(priced)
        else:
            by_customer[row["customer_id"]].append(priced)
    now = timezone.now()

    def rows(keys: set[int], services: dict[int, list[Priced]], owner: str) -> list[CustomerValue]:
        out = []
        for key in keys:
            w = worth(services.get(key, []), today=today, base=base, rates=rates)
            out.append(CustomerValue(**{f"{owner}_id": key}, monthly_value=w.monthly_value,
                                     lifetime_value=w.lifetime_value,
                                     customer_since=w.customer_since,
                                     active_services=w.active_services,
                                     tier=tier_for(w.monthly_value,
                                                   plus_from=settings_row.plus_from,
                                                   key_account_from=settings_row.key_account_from),
                                     updated_at=now))
        return out

    before = _tiers(accounts)
    written = 0
    changes: list[TierChange] = []
    for owner, keys, services in (("organization", accounts.organization_ids, by_org),
                                  ("customer", accounts.customer_ids, by_customer)):
        values = rows(keys, services, owner)
        for value in values:
            key = (owner, getattr(value, f"{owner}_id"))
            old = before.get(key, Tier.STANDARD)
            if value.tier != old:
                changes.append(TierChange(
                    organization_id=key[1] if owner == "organization" else None,
                    customer_id=key[1] if owner == "customer" else None,
                    old=old, new=value.tier))
        if values:
            CustomerValue.objects.bulk_create(
                values, update_conflicts=True, unique_fields=[owner],
                update_fields=["monthly_value", "lifetime_value", "customer_since",
                               "active_services", "tier", "updated_at"])
            written += len(values)
    if changes:
        bus.publish(CustomerTiersChanged(changes=tuple(changes)))
    return written


def _tiers(accounts: Accounts) -> dict[tuple[str, int], str]:
    """The accounts' tiers as stored now (no row: standard), in one query."""
    owned = Q()
    if accounts.organization_ids:
        owned |= Q(organization_id__in=accounts.organization_ids)
    if accounts.customer_ids:
        owned |= Q(customer_id__in=accounts.customer_ids)
    out: dict[tuple[str, int], str] = {}
    for org, person, tier in CustomerValue.objects.filter(owned).values_list(
            "organization_id", "customer_id", "tier"):
        out[("organization", org) if org else ("customer", person)] = tier
    return out


def _services_of_accounts(accounts: Accounts) -> Any:
    """The priced fields of the accounts' services and the account each counts towards
    (`owner_org`, or none for a person's own), in one query: a UNION ALL of the three
    disjoint ways a service belongs to an account, each served by a foreign-key index. (One
    filter OR-ing them across the customer join made PostgreSQL read both whole tables for
    every batch of an import: bench/README.md "Issue 15".)"""
    fields = (*PRICED_FIELDS, "customer_id")
    parts = []
    if accounts.organization_ids:
        orgs = sorted(accounts.organization_ids)
        parts.append(Service.objects.filter(organization_id__in=orgs)
                     .values(*fields, owner_org=F("organization_id")))
        parts.append(Service.objects.filter(organization__isnull=True,
                                            customer__organization_id__in=orgs)
                     .values(*fields, owner_org=F("customer__organization_id")))
    if accounts.customer_ids:
        alone = User.objects.filter(pk__in=sorted(accounts.customer_ids),
                                    organization__isnull=True).values("pk")
        parts.append(Service.objects.filter(organization__isnull=True, customer_id__in=alone)
                     .values(*fields, owner_org=Value(None, output_field=BigIntegerField())))
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def refresh_all_values(*, batch: int = 2000) -> int:
    """Every account again (after the tier thresholds or exchange rates change)."""
    written = 0
    orgs = list(Service.objects.exclude(organization__isnull=True,
                                        customer__organization__isnull=True)
                .values_list("organization_id", "customer__organization_id").distinct())
    org_ids = sorted({o or c for o, c in orgs if o or c})
    people = sorted(set(Service.objects.filter(organization__isnull=True,
                                               customer__organization__isnull=True)
                        .values_list("customer_id", flat=True)))
    for start in range(0, len(org_ids), batch):
        written += refresh_values(Accounts(organization_ids=set(org_ids[start:start + batch])))
    for start in range(0, len(people), batch):
        written += refresh_values(Accounts(customer_ids=set(people[start:start + batch])))
    return written


def customer_account(customer: User) -> Accounts:
    """The account a customer's worth is kept on."""
    if customer.organization_id:
        return Accounts(organization_ids={customer.organization_id})
    return Accounts(customer_ids={customer.pk})


