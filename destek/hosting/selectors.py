"""Reads: a customer's services and worth, as every screen and rule asks for them."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

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
