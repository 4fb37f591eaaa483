"""Reads: a customer's services and worth, as every screen and rule asks for them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.db.models import (
    Case,
    CharField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from destek.accounts.models import User
from destek.hosting import sql
from destek.hosting.models import CustomerValue, HostingSettings, Service, ServiceStatus, Tier

# What a customer's list shows first: live services, then the rest, newest first.
_STATUS_ORDER: dict[str, int] = {ServiceStatus.ACTIVE: 0, ServiceStatus.SUSPENDED: 1,
                                  ServiceStatus.PENDING: 2, ServiceStatus.CANCELLED: 3}


def services_of(customer: User) -> QuerySet[Service]:
    """The customer's own services and their organization's."""
    owned = Q(customer_id=customer.pk)
    if customer.organization_id:
        owned |= Q(organization_id=customer.organization_id)
    return Service.objects.filter(owned)


MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField)


def is_service_of(*, service: Service, customer: User) -> bool:
    """`services_of` asked of a row already read: the customer's own or their organization's."""
    return service.customer_id == customer.pk or (
        service.organization_id is not None
        and service.organization_id == customer.organization_id)


def service_of(*, customer: User, service_id: int) -> Service | None:
    """One of the customer's services by id; None for anyone else's id, as for one that does
    not exist (a door never tells the two apart). One query; none for an id no row can have."""
    if not 0 < service_id <= MAX_ID:
        return None
    return services_of(customer).filter(pk=service_id).first()


# The most services a picker lists (a reseller's own account rarely has more).
MAX_CHOICES = 200


def services_to_choose(*, customer: User, limit: int = MAX_CHOICES) -> list[Service]:
    """What a customer may say a ticket or chat is about: their services but cancelled ones,
    active first, then suspended, then pending; by domain and plan within each. One query."""
    rank = Case(*(When(status=status, then=Value(order))
                  for status, order in _STATUS_ORDER.items()),
                default=Value(9), output_field=IntegerField())
    return list(services_of(customer).exclude(status=ServiceStatus.CANCELLED)
                .order_by(rank, "domain", "plan", "pk")[:limit])


# The most services an email is matched against (`hosting.matching`).
MAX_MATCHED = 1000


def services_to_match(*, customer: User, limit: int = MAX_MATCHED) -> list[Service]:
    """The customer's services, newest first, for `matching.match_service`. One query."""
    return list(services_of(customer).order_by("-pk")[:limit])


def services_for_sidebar(customer: User, *, limit: int = 20) -> list[Service]:
    """Live services first; at most `limit` (a reseller may own thousands)."""
    rows = list(services_of(customer).order_by("-updated_at", "-id")[:limit])
    rows.sort(key=lambda s: _STATUS_ORDER.get(s.status, 9))
    return rows


def value_of(customer: User) -> CustomerValue | None:
    """The worth of the customer's account: their organization's, or their own."""
    if customer.organization_id:
        return CustomerValue.objects.filter(organization_id=customer.organization_id).first()
    return CustomerValue.objects.filter(customer_id=customer.pk).first()


def tier_of(customer: User) -> str:
    value = value_of(customer)
    return value.tier if value else Tier.STANDARD


def account_tier_expression(*, customer: str, organization: str) -> Any:
    """The tier of each row's customer as rules read it (`tier_of`, in SQL): their
    organization's when they have one, else their own; standard without a value row.
    `customer` and `organization` name the row's customer id and organization id fields."""
    by_org = CustomerValue.objects.filter(organization_id=OuterRef(organization)).values("tier")
    own = CustomerValue.objects.filter(customer_id=OuterRef(customer)).values("tier")
    return Coalesce(
        Case(When(**{f"{organization}__isnull": False}, then=Subquery(by_org[:1])),
             default=Subquery(own[:1]), output_field=CharField()),
        Value(Tier.STANDARD), output_field=CharField())


def account_tier_subquery(customer: User) -> Any:
    """`tier_of(customer)` as an expression another query can carry (no query of its own)."""
    if customer.organization_id:
        found = CustomerValue.objects.filter(organization_id=customer.organization_id)
    else:
        found = CustomerValue.objects.filter(customer_id=customer.pk)
    return Coalesce(Subquery(found.values("tier")[:1]), Value(Tier.STANDARD),
                    output_field=CharField())


def hosting_settings() -> HostingSettings:
    """The one settings row (created with its defaults on first use)."""
    found = HostingSettings.objects.order_by("pk").first()
    return found if found is not None else HostingSettings.objects.create()


# The columns a screen that lists a customer's services prints (a `.values()` read: no
# instances, no JSON columns it does not show).
SERVICE_ROW_FIELDS = ("id", "kind", "plan", "status", "domain", "server", "datacenter",
                      "control_panel", "control_panel_url", "renews_on")


def service_rows_for_customer(customer: User, *, first_id: int | None = None,
                              limit: int = 50) -> list[Mapping[str, Any]]:
    """The customer's services (own and organization's) as plain rows, one query, at most
    `limit`: the service `first_id` (the one a ticket or chat is about, even when it no
    longer belongs to the customer) first, then live ones, newest first.

    Only the cut is ordered in SQL (the service `first_id`, then the latest): the rows are
    put in status order here. The statement is written by hand (`hosting.sql`): built by
    the ORM, it and `value_row_of` cost the ticket view 1.0 ms of CPU against 0.2 ms
    (bench/README.md "Ticket view with the customer's services")."""
    rows: list[Mapping[str, Any]] = list(sql.service_rows(
        customer_id=customer.pk, organization_id=customer.organization_id, first_id=first_id,
        fields=SERVICE_ROW_FIELDS, limit=limit))
    rows.sort(key=lambda r: (r["id"] != first_id, _STATUS_ORDER.get(r["status"], 9)))
    return rows


def value_row_of(customer: User) -> Mapping[str, Any] | None:
    """The worth of the customer's account (tier, monthly value, customer since), one query;
    None before any service was priced. Amounts are in `base_currency()`."""
    return sql.value_row(customer_id=customer.pk, organization_id=customer.organization_id)


CURRENCY_TTL = 60.0  # seconds a process shows the base currency it read
_currency: tuple[float, str] | None = None


def base_currency() -> str:
    """The currency values are counted in, read at most once a minute per process (the
    panels beside every ticket show it; it changes about never, and the admin that changes it
    recomputes every value and calls `forget_base_currency`)."""
    global _currency
    now = time.monotonic()
    if _currency is None or now - _currency[0] > CURRENCY_TTL:
        found = HostingSettings.objects.order_by("pk").values_list("base_currency",
                                                                   flat=True).first()
        _currency = (now, found or HostingSettings._meta.get_field("base_currency").default)
    return _currency[1]


def forget_base_currency() -> None:
    global _currency
    _currency = None


def service_belongs_to(customer: User, service_id: int) -> bool:
    """Whether the service is the customer's own or their organization's (one query)."""
    return services_of(customer).filter(pk=service_id).exists()


def service_ids_where(*, server: str = "", plan: str = "") -> QuerySet[Service, Any]:
    """The ids of the services on `server` and/or of `plan` (exact), as a subquery for the
    queues' "tickets about this server / plan" filters."""
    qs = Service.objects.all()
    if server:
        qs = qs.filter(server=server)
    if plan:
        qs = qs.filter(plan=plan)
    return qs.values("pk")
