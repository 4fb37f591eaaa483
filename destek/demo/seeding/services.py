"""The hosting services of a generated help desk (`destek seed --services N`) and each
account's worth, computed in bulk with hosting's own arithmetic (`hosting.value`).

Each customer owns 0 to N services (mean 2.5 whatever N ≥ 5: 100,000 customers own about
250,000): a few prospects none, most one or two (a hosting account and its domain), agencies
and resellers (the customers who write most) many. Members of an organization buy for it.
Kinds, plans, prices, billing cycles, currencies, servers, datacenters and control panels
follow what a mid-sized Turkish hosting company sells. Written with COPY on PostgreSQL (ids
chosen here, so tickets can name their service), bulk_create elsewhere.

A separate random generator: `--services 0` leaves every other generated row as it was.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from destek.accounts.models import User
from destek.demo import sql
from destek.demo.seeding.vocabulary import TLDS, WORDS
from destek.hosting.models import (
    CYCLE_MONTHS,
    BillingCycle,
    CustomerValue,
    HostingSettings,
    Service,
    ServiceKind,
    ServiceStatus,
)
from destek.hosting.value import Priced, tier_for, worth

MEAN_SERVICES = 2.5
PROSPECTS = 0.08  # customers who own nothing (yet)
TICKETS_ABOUT_A_SERVICE = 0.75  # of the tickets of a customer who owns services

SERVICE_FIELDS = ("id", "customer", "organization", "source", "external_id", "kind", "plan",
                  "status", "domain", "server", "datacenter", "ip_addresses", "control_panel",
                  "control_panel_url", "started_on", "renews_on", "ended_on", "billing_cycle",
                  "recurring_amount", "currency", "attributes", "created_at", "updated_at")
VALUE_FIELDS = ("customer", "organization", "monthly_value", "lifetime_value", "customer_since",
                "active_services", "tier", "updated_at")

# (plan, monthly price in USD) per kind.
PLANS: dict[str, list[tuple[str, float]]] = {
    ServiceKind.SHARED: [("Starter", 4.99), ("Standard", 8.99), ("Pro", 14.99),
                         ("Business", 24.99)],
    ServiceKind.RESELLER: [("Reseller Bronze", 19.99), ("Reseller Silver", 34.99),
                           ("Reseller Gold", 59.99)],
    ServiceKind.VPS: [("VPS 2GB", 12.0), ("VPS 4GB", 24.0), ("VPS 8GB", 48.0),
                      ("VPS 16GB", 96.0)],
    ServiceKind.DEDICATED: [("DS-E3", 120.0), ("DS-E5", 220.0), ("DS-EPYC", 450.0)],
    ServiceKind.DOMAIN: [(".com registration", 1.25), (".com.tr registration", 1.0),
                         (".net registration", 1.4)],
    ServiceKind.SSL: [("DV SSL", 0.83), ("OV SSL", 4.9), ("Wildcard SSL", 8.25)],
    ServiceKind.EMAIL: [("Mail Basic", 2.99), ("Mail Pro", 5.99)],
    ServiceKind.BACKUP: [("Backup 50GB", 3.99), ("Backup 200GB", 9.99)],
    ServiceKind.OTHER: [("Managed services", 49.0)],
}
FIRST_KINDS = [(ServiceKind.SHARED, 55), (ServiceKind.VPS, 18), (ServiceKind.DEDICATED, 4),
               (ServiceKind.RESELLER, 5), (ServiceKind.EMAIL, 6), (ServiceKind.DOMAIN, 12)]
MORE_KINDS = [(ServiceKind.DOMAIN, 38), (ServiceKind.SSL, 15), (ServiceKind.SHARED, 15),
              (ServiceKind.VPS, 10), (ServiceKind.EMAIL, 8), (ServiceKind.BACKUP, 7),
              (ServiceKind.DEDICATED, 3), (ServiceKind.RESELLER, 2), (ServiceKind.OTHER, 2)]
STATUSES = [(ServiceStatus.ACTIVE, 84), (ServiceStatus.CANCELLED, 10),
            (ServiceStatus.SUSPENDED, 4), (ServiceStatus.PENDING, 2)]
CYCLES = [(BillingCycle.MONTHLY, 45), (BillingCycle.ANNUALLY, 35), (BillingCycle.QUARTERLY, 8),
          (BillingCycle.SEMIANNUALLY, 6), (BillingCycle.BIENNIALLY, 4),
          (BillingCycle.TRIENNIALLY, 2)]
YEARLY_KINDS = {ServiceKind.DOMAIN, ServiceKind.SSL}
DATACENTERS = [("ist", "Istanbul", 50), ("fra", "Frankfurt", 30), ("ams", "Amsterdam", 20)]
SERVERS = {ServiceKind.SHARED: ("web", 80), ServiceKind.RESELLER: ("rs", 12),
           ServiceKind.EMAIL: ("mx", 10), ServiceKind.BACKUP: ("bk", 6),
           ServiceKind.VPS: ("node", 40)}
PANELS = {ServiceKind.SHARED: [("cpanel", 70), ("directadmin", 20), ("plesk", 10)],
          ServiceKind.RESELLER: [("cpanel", 80), ("directadmin", 20)],
          ServiceKind.VPS: [("plesk", 40), ("", 60)],
          ServiceKind.DEDICATED: [("", 80), ("plesk", 20)]}
PANEL_PORTS = {"cpanel": 2083, "directadmin": 2222, "plesk": 8443}
TRY_PER_USD = Decimal("34")
EUR_PER_USD = Decimal("0.92")
RATES = {"TRY": 0.029, "EUR": 1.08}  # the settings row's, when it has none


def _pick(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def count_weights(most: int) -> list[float]:
    """P(k services), k = 0…most: PROSPECTS own none, the others 1 + a geometric number,
    cut at `most`, its parameter chosen so the mean is MEAN_SERVICES (or as near as `most`
    allows)."""
    if most <= 0:
        return [1.0]

    def weights(p: float) -> list[float]:
        tail = [(1 - p) ** (k - 1) * p for k in range(1, most + 1)]
        scale = (1 - PROSPECTS) / sum(tail)
        return [PROSPECTS] + [w * scale for w in tail]

    low, high = 1e-6, 1.0
    for _ in range(60):  # the mean falls as p grows
        p = (low + high) / 2
        mean = sum(k * w for k, w in enumerate(weights(p)))
        low, high = (p, high) if mean > MEAN_SERVICES else (low, p)
    return weights((low + high) / 2)


@dataclass
class Owned:
    """What the generator wrote: each customer's services (own and organization's), by id."""

    by_customer: dict[int, list[int]] = field(default_factory=dict)
    services: int = 0
    accounts: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_tier: dict[str, int] = field(default_factory=dict)


class ServicePicker:
    """The service a generated ticket is about (its own random generator, called in ticket
    order from the generating thread, so a --seed gives the same data)."""

    def __init__(self, owned: Owned, seed: int) -> None:
        self.owned = owned
        self.rng = random.Random(seed * 7919 + 15)  # noqa: S311 (fake data)

    def __call__(self, customer_id: int) -> int | None:
        mine = self.owned.by_customer.get(customer_id)
        if not mine or self.rng.random() >= TICKETS_ABOUT_A_SERVICE:
            return None
        # The first (main hosting) service is the one most tickets are about.
        return mine[0] if self.rng.random() < 0.5 else self.rng.choice(mine)


def create_services(*, seed: int, most: int, customer_ids: list[int], wants: list[int],
                    now: datetime) -> Owned:
    """Services for these customers (their wanted ticket counts make the busiest ones the
    biggest buyers) and the worth of every account that got one."""
    rng = random.Random(seed * 7919 + 14)  # noqa: S311 (reproducible fake data)
    # The installation's date, as hosting's refresh_values counts months (not UTC's: between
    # midnight there and midnight UTC the two disagree by a day).
    today = timezone.localdate(now)
    organizations: dict[int, int | None] = {}
    for start in range(0, len(customer_ids), 10_000):  # a statement takes ≤ 65,535 parameters
        organizations.update(User.objects.filter(pk__in=customer_ids[start:start + 10_000])
                             .values_list("pk", "organization_id"))
    weights = count_weights(most)
    counts = sorted(rng.choices(range(len(weights)), weights=weights, k=len(customer_ids)),
                    reverse=True)
    # The more tickets a customer writes, the more they tend to own (with noise).
    ranked = sorted(range(len(customer_ids)),
                    key=lambda i: wants[i] * rng.lognormvariate(0, 0.8), reverse=True)
    first_id = _reserve_ids()
    rows: list[tuple[Any, ...]] = []
    owned = Owned()
    by_org: dict[int, list[int]] = defaultdict(list)
    priced: dict[tuple[str, int], list[Priced]] = defaultdict(list)
    next_id = first_id
    for position, index in enumerate(ranked):
        customer_id = customer_ids[index]
        org = organizations.get(customer_id)
        mine: list[int] = []
        domain = f"{rng.choice(WORDS)}{customer_id}.{rng.choice(TLDS)}"
        for n in range(counts[position]):
            row, price = _service(rng, next_id, n, customer_id, org, domain, today, now)
            rows.append(row)
            mine.append(next_id)
            owned.by_kind[row[5]] = owned.by_kind.get(row[5], 0) + 1
            account = ("organization", org) if org else ("customer", customer_id)
            priced[account].append(price)
            next_id += 1
        owned.by_customer[customer_id] = mine
        if org:
            by_org[org].extend(mine)
    # A member of an organization also sees the services their colleagues bought for it.
    for customer_id, org in organizations.items():
        if org and by_org.get(org):
            own = owned.by_customer.get(customer_id, [])
            owned.by_customer[customer_id] = own + [s for s in by_org[org] if s not in own][:20]
    _write(Service, SERVICE_FIELDS, rows)
    if connection.vendor == "postgresql":
        sql.move_sequence_past_ids(Service)
    owned.services = len(rows)
    owned.accounts, owned.by_tier = _write_values(priced, today=today, now=now)
    return owned


def _service(rng: random.Random, pk: int, n: int, customer_id: int, org: int | None,
             domain: str, today: date, now: datetime) -> tuple[tuple[Any, ...], Priced]:
    kind = _pick(rng, FIRST_KINDS if n == 0 else MORE_KINDS)
    plan, monthly_usd = rng.choice(PLANS[kind])
    status = _pick(rng, STATUSES)
    cycle = BillingCycle.ANNUALLY if kind in YEARLY_KINDS else _pick(rng, CYCLES)
    months = CYCLE_MONTHS[cycle]
    currency = rng.choices(["USD", "TRY", "EUR"], weights=[55, 35, 10])[0]
    amount = Decimal(str(monthly_usd)) * months
    amount *= {"TRY": TRY_PER_USD, "EUR": EUR_PER_USD}.get(currency, Decimal(1))
    amount = amount.quantize(Decimal("0.01"))
    started = today - timedelta(days=rng.randint(20, 6 * 365))
    ended = renews = None
    if status == ServiceStatus.CANCELLED:
        ended = started + timedelta(days=rng.randint(30, max(31, (today - started).days)))
        ended = min(ended, today)
    elif status == ServiceStatus.SUSPENDED:
        renews = today - timedelta(days=rng.randint(1, 40))  # unpaid: past its renewal
    else:
        renews = today + timedelta(days=rng.randint(0, months * 30))
    code, dc_name = _pick(rng, [((c, name), w) for c, name, w in DATACENTERS])
    server = ""
    if kind in SERVERS:
        prefix, count = SERVERS[kind]
        server = f"{prefix}{rng.randint(1, count):02d}.{code}"
    elif kind == ServiceKind.DEDICATED:
        server = f"ds{pk}.{code}"
    if kind in (ServiceKind.DOMAIN, ServiceKind.SSL):
        dc_name = ""
    panel = _pick(rng, PANELS[kind]) if kind in PANELS else ""
    panel_url = f"https://{server}.example.net:{PANEL_PORTS[panel]}/" if panel and server else ""
    ips = ([f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"]
           if kind in (ServiceKind.VPS, ServiceKind.DEDICATED) else [])
    this_domain = domain if n == 0 or rng.random() < 0.5 else \
        f"{rng.choice(WORDS)}{customer_id}-{n}.{rng.choice(TLDS)}"
    owner_customer = customer_id if (org is None or rng.random() < 0.6) else None
    row = (pk, owner_customer, org, "seed", f"s{pk}", kind, plan, status, this_domain, server,
           dc_name, json.dumps(ips), panel, panel_url, started, renews, ended, cycle, amount,
           currency, "{}", now, now)
    return row, Priced(status=status, billing_cycle=cycle, recurring_amount=amount,
                       currency=currency, started_on=started, ended_on=ended)


def _reserve_ids() -> int:
    if connection.vendor == "postgresql":
        sql.lock_for_explicit_ids(Service)
    last = Service.objects.aggregate(m=models.Max("id"))["m"] or 0
    return int(last) + 1


def _write_values(priced: dict[tuple[str, int], list[Priced]], *, today: date,
                  now: datetime) -> tuple[int, dict[str, int]]:
    """Every account's worth with `hosting.value` (the rule `refresh_values` applies), in
    one write."""
    settings_row = HostingSettings.objects.order_by("pk").first()
    if settings_row is None:
        settings_row = HostingSettings.objects.create(exchange_rates=RATES)
    elif not settings_row.exchange_rates:
        settings_row.exchange_rates = RATES
        settings_row.save(update_fields=["exchange_rates"])
    base, rates = settings_row.base_currency, settings_row.exchange_rates
    rows = []
    tiers: dict[str, int] = {}
    for (owner, pk), services in priced.items():
        w = worth(services, today=today, base=base, rates=rates)
        tier = tier_for(w.monthly_value, plus_from=settings_row.plus_from,
                        key_account_from=settings_row.key_account_from)
        tiers[tier] = tiers.get(tier, 0) + 1
        rows.append((pk if owner == "customer" else None, pk if owner == "organization" else None,
                     w.monthly_value, w.lifetime_value, w.customer_since, w.active_services,
                     tier, now))
    _write(CustomerValue, VALUE_FIELDS, rows)
    return len(rows), tiers


def _write(model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        sql.copy_rows(model, names, rows)
        return
    json_fields = {"ip_addresses", "attributes"}
    attnames = [sql.concrete_field(model, n).attname for n in names]
    objects = []
    for row in rows:
        values = {a: (json.loads(v) if n in json_fields else v)
                  for a, n, v in zip(attnames, names, row, strict=True)}
        objects.append(model(**values))
    model._default_manager.bulk_create(objects, batch_size=1000)
