"""Reads: a customer's services and worth, as every screen and rule asks for them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from destek.accounts.models import User
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
    put in status order here. Each ordering expression costs the ticket view compile time:
    a CASE per status was a quarter of the panel's CPU, and `id = first_id` costs half of a
    CASE for it (0.17 against 0.37 ms a view, bench/README.md "Ticket view with the
    customer's services")."""
    owned = Q(customer_id=customer.pk)
    if customer.organization_id:
        owned |= Q(organization_id=customer.organization_id)
    ordering: list[Any] = ["-updated_at", "-id"]
    if first_id is not None:
        owned |= Q(pk=first_id)
        ordering.insert(0, ExpressionWrapper(Q(pk=first_id),
                                             output_field=BooleanField()).desc())
    rows: list[Mapping[str, Any]] = list(
        Service.objects.filter(owned).order_by(*ordering).values(*SERVICE_ROW_FIELDS)[:limit])
    rows.sort(key=lambda r: (r["id"] != first_id, _STATUS_ORDER.get(r["status"], 9)))
    return rows


def value_row_of(customer: User) -> Mapping[str, Any] | None:
    """The worth of the customer's account (tier, monthly value, customer since), one query;
    None before any service was priced. Amounts are in `base_currency()`."""
    owner = (Q(organization_id=customer.organization_id) if customer.organization_id
             else Q(customer_id=customer.pk))
    rows: list[Mapping[str, Any]] = list(
        CustomerValue.objects.filter(owner).values("tier", "monthly_value", "customer_since")[:1])
    return rows[0] if rows else None


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
