"""What every way in (REST API, CSV import, billing-system syncs such as WHMCS) hands to
`hosting.sync.apply`: plain values keyed by the billing system's ids, validated there once.

A record says what the row should look like now; applying the same records twice changes
nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class OrganizationRecord:
    external_id: str
    name: str
    is_reseller: bool = False
    # The reseller it is an end customer of, by the reseller's external id.
    reseller_external_id: str = ""


@dataclass(frozen=True)
class CustomerRecord:
    """A person. Matched by external id, then by email (a customer who already wrote in
    keeps their tickets)."""

    external_id: str
    email: str
    full_name: str = ""
    phone: str = ""
    language: str = ""
    organization_external_id: str = ""


@dataclass(frozen=True)
class ServiceRecord:
    """A service owned by a customer or an organization (by their external ids; at least one)."""

    external_id: str
    kind: str
    customer_external_id: str = ""
    organization_external_id: str = ""
    plan: str = ""
    status: str = "active"
    domain: str = ""
    server: str = ""
    datacenter: str = ""
    ip_addresses: tuple[str, ...] = ()
    control_panel: str = ""
    control_panel_url: str = ""
    started_on: date | None = None
    renews_on: date | None = None
    ended_on: date | None = None
    billing_cycle: str = "monthly"
    recurring_amount: Decimal = Decimal("0")
    currency: str = "USD"
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    """A record that was not applied, and why (in the reader's language)."""

    kind: str  # "organization", "customer" or "service"
    external_id: str
    message: str
    row: int | None = None  # the CSV line or the position in the API payload, when known


@dataclass
class SyncReport:
    """What applying a batch changed."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # Customers a delete kept (they have tickets) but detached from the billing system.
    detached: dict[str, int] = field(default_factory=dict)
    # What was done instead of what was asked, and why (not errors: nothing failed).
    notices: list[RowError] = field(default_factory=list)

    def add(self, other: SyncReport) -> None:
        for mine, theirs in ((self.created, other.created), (self.updated, other.updated),
                             (self.unchanged, other.unchanged), (self.deleted, other.deleted),
                             (self.detached, other.detached)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.errors.extend(other.errors)
        self.notices.extend(other.notices)

    def total(self, outcome: str) -> int:
        """All kinds together: `report.total("created")`."""
        return sum(getattr(self, outcome).values())
