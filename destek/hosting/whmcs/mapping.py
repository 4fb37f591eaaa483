"""WHMCS rows → hosting records: pure functions, no queries, no HTTP.

Ids are stable and namespaced by the connection's source (`whmcs` unless an admin syncs
several WHMCS installations): people `whmcs:client:12`, their company `whmcs:company:12`,
services `product:345` and `domain:67` (services are keyed by (source, external id))."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from destek.hosting.models import BillingCycle, ControlPanel, ServiceKind, ServiceStatus
from destek.hosting.records import CustomerRecord, OrganizationRecord, ServiceRecord


class MappingError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# WHMCS product types (GetProducts `type`) → kinds, unless the admin's group map says better.
PRODUCT_TYPE_KINDS: dict[str, str] = {
    "hostingaccount": ServiceKind.SHARED,
    "reselleraccount": ServiceKind.RESELLER,
    "server": ServiceKind.DEDICATED,
    "other": ServiceKind.OTHER,
}

PRODUCT_STATUSES: dict[str, str] = {
    "active": ServiceStatus.ACTIVE,
    "suspended": ServiceStatus.SUSPENDED,
    "pending": ServiceStatus.PENDING,
    "terminated": ServiceStatus.CANCELLED,
    "cancelled": ServiceStatus.CANCELLED,
    "fraud": ServiceStatus.CANCELLED,
    "completed": ServiceStatus.CANCELLED,  # a one-off service, delivered
}

DOMAIN_STATUSES: dict[str, str] = {
    "active": ServiceStatus.ACTIVE,
    "pending": ServiceStatus.PENDING,
    "pending registration": ServiceStatus.PENDING,
    "pending transfer": ServiceStatus.PENDING,
    "grace": ServiceStatus.SUSPENDED,  # expired, still renewable
    "redemption": ServiceStatus.SUSPENDED,
    "expired": ServiceStatus.CANCELLED,
    "cancelled": ServiceStatus.CANCELLED,
    "fraud": ServiceStatus.CANCELLED,
    "transferred away": ServiceStatus.CANCELLED,
}

BILLING_CYCLES: dict[str, str] = {
    "monthly": BillingCycle.MONTHLY,
    "quarterly": BillingCycle.QUARTERLY,
    "semi-annually": BillingCycle.SEMIANNUALLY,
    "semiannually": BillingCycle.SEMIANNUALLY,
    "annually": BillingCycle.ANNUALLY,
    "biennially": BillingCycle.BIENNIALLY,
    "triennially": BillingCycle.TRIENNIALLY,
    "one time": BillingCycle.ONE_TIME,
    "onetime": BillingCycle.ONE_TIME,
    "free account": BillingCycle.FREE,
    "free": BillingCycle.FREE,
}

# Domains are billed per registration period, in years.
DOMAIN_PERIODS: dict[int, str] = {1: BillingCycle.ANNUALLY, 2: BillingCycle.BIENNIALLY,
                                  3: BillingCycle.TRIENNIALLY}

# Server modules Destek knows, and the port of the login page it links to.
PANELS: dict[str, tuple[str, int]] = {
    "cpanel": (ControlPanel.CPANEL, 2083),
    "plesk": (ControlPanel.PLESK, 8443),
    "directadmin": (ControlPanel.DIRECTADMIN, 2222),
    "cyberpanel": (ControlPanel.CYBERPANEL, 8090),
}

# WHMCS names a client's language in English ("turkish"); Destek speaks these.
LANGUAGES: dict[str, str] = {"english": "en", "turkish": "tr"}


@dataclass(frozen=True)
class Product:
    """What GetProducts says about a product: its type, group and server module."""

    type: str = ""
    module: str = ""
    group: str = ""


@dataclass(frozen=True)
class Catalog:
    """What every row is read against in one run."""

    source: str
    default_currency: str = "USD"
    products: dict[str, Product] = field(default_factory=dict)  # by pid
    currencies: dict[str, str] = field(default_factory=dict)  # currency id → code
    kind_map: dict[str, str] = field(default_factory=dict)  # group name → kind


@dataclass(frozen=True)
class Owner:
    """What a service needs to know about the client who owns it."""

    customer_external_id: str
    organization_external_id: str
    currency: str


def client_id(source: str, whmcs_id: object) -> str:
    return f"{source}:client:{_id(whmcs_id)}"


def company_id(source: str, whmcs_id: object) -> str:
    return f"{source}:company:{_id(whmcs_id)}"


def _id(value: object) -> str:
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        raise MappingError(f"id “{text[:20]}” is not a WHMCS id")
    return text


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return " ".join(str(value).split()) if value is not None else ""


def _date(row: dict[str, Any], key: str) -> date | None:
    text = _text(row, key)
    if not text or text.startswith("0000"):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MappingError(f"{key} “{text[:20]}” is not a date") from None


def _amount(row: dict[str, Any], key: str) -> Decimal:
    text = _text(row, key) or "0"
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise MappingError(f"{key} “{text[:20]}” is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise MappingError(f"{key} “{text[:20]}” is not an amount")
    return amount.quantize(Decimal("0.01"))


def currency_of(row: dict[str, Any], *, catalog: Catalog) -> str:
    """A client's currency: its code when the row has one (GetClientsDetails), else its
    currency id looked up in GetCurrencies, else the installation's default."""
    code = _text(row, "currency_code").upper()
    if len(code) == 3 and code.isalpha():
        return code
    by_id = catalog.currencies.get(_text(row, "currency"))
    return by_id or catalog.default_currency


def map_client(row: dict[str, Any], details: dict[str, Any] | None, *,
               catalog: Catalog) -> tuple[CustomerRecord, OrganizationRecord | None, Owner]:
    """A GetClients row (plus GetClientsDetails when it was read) → the person, their company
    when `companyname` is set, and what their services need."""
    details = details or {}
    merged = {**row, **{k: v for k, v in details.items() if v not in (None, "")}}
    whmcs_id = _id(row.get("id"))
    email = _text(merged, "email")
    if not email:
        raise MappingError("the client has no email address")
    person = client_id(catalog.source, whmcs_id)
    company = _text(merged, "companyname")
    organization = (OrganizationRecord(external_id=company_id(catalog.source, whmcs_id),
                                       name=company[:200]) if company else None)
    full_name = " ".join(p for p in (_text(merged, "firstname"), _text(merged, "lastname")) if p)
    customer = CustomerRecord(
        external_id=person, email=email, full_name=full_name[:150],
        phone=_text(merged, "phonenumberformatted") or _text(merged, "phonenumber"),
        language=LANGUAGES.get(_text(merged, "language").lower(), ""),
        organization_external_id=organization.external_id if organization else "")
    owner = Owner(customer_external_id=person,
                  organization_external_id=organization.external_id if organization else "",
                  currency=currency_of(merged, catalog=catalog))
    return customer, organization, owner


def kind_of(row: dict[str, Any], *, catalog: Catalog) -> str:
    """The admin's map from WHMCS product group names wins; then the product's type."""
    product = catalog.products.get(_text(row, "pid"), Product())
    group = (_text(row, "groupname") or product.group).casefold()
    mapped = {name.strip().casefold(): kind for name, kind in catalog.kind_map.items()}
    if group and group in mapped:
        return mapped[group]
    return PRODUCT_TYPE_KINDS.get(product.type.lower(), ServiceKind.OTHER)


def ip_addresses(row: dict[str, Any]) -> tuple[str, ...]:
    """The dedicated IP first, then the assigned ones (one per line or comma separated)."""
    found: list[str] = []
    raw = [str(row.get("dedicatedip") or "")]
    raw += str(row.get("assignedips") or "").replace(",", "\n").splitlines()
    for text in raw:
        address = text.strip()
        if address and address not in found:
            found.append(address)
    return tuple(found)


def panel_of(module: str, host: str) -> tuple[str, str]:
    known = PANELS.get(module.lower())
    if not known:
        return ControlPanel.NONE, ""
    panel, port = known
    return panel, (f"https://{host}:{port}/" if host else "")


def map_product(row: dict[str, Any], *, catalog: Catalog, owner: Owner) -> ServiceRecord:
    """A GetClientsProducts row → a service."""
    service_id = _id(row.get("id"))
    status_text = _text(row, "status")
    status = PRODUCT_STATUSES.get(status_text.lower())
    if status is None:
        raise MappingError(f"unknown status “{status_text[:30]}”")
    cycle_text = _text(row, "billingcycle")
    cycle = BILLING_CYCLES.get(cycle_text.lower())
    if cycle is None:
        raise MappingError(f"unknown billing cycle “{cycle_text[:30]}”")
    product = catalog.products.get(_text(row, "pid"), Product())
    host = _text(row, "serverhostname") or _text(row, "serverip")
    panel, panel_url = panel_of(product.module, host)
    attributes = {key: value for key, value in (
        ("whmcs_status", status_text),
        ("username", _text(row, "username")),
        ("group", _text(row, "groupname") or product.group),
        ("server_hostname", _text(row, "serverhostname")),
        ("server_ip", _text(row, "serverip")),
        ("module", product.module),
        ("product_id", _text(row, "pid")),
        ("order_number", _text(row, "ordernumber")),
    ) if value}
    return ServiceRecord(
        external_id=f"product:{service_id}", kind=kind_of(row, catalog=catalog),
        customer_external_id=owner.customer_external_id,
        organization_external_id=owner.organization_external_id,
        plan=(_text(row, "name") or _text(row, "translated_name"))[:120], status=status,
        domain=_text(row, "domain").lower(), server=_text(row, "servername")[:120],
        ip_addresses=ip_addresses(row), control_panel=panel, control_panel_url=panel_url,
        started_on=_date(row, "regdate"), renews_on=_date(row, "nextduedate"),
        ended_on=_date(row, "terminationdate"), billing_cycle=cycle,
        recurring_amount=_amount(row, "recurringamount"), currency=owner.currency,
        attributes=attributes)


def map_domain(row: dict[str, Any], *, catalog: Catalog, owner: Owner) -> ServiceRecord:
    """A GetClientsDomains row → a service of kind domain; its plan is the extension."""
    domain_id = _id(row.get("id"))
    name = _text(row, "domainname").lower()
    status_text = _text(row, "status")
    status = DOMAIN_STATUSES.get(status_text.lower())
    if status is None:
        raise MappingError(f"unknown status “{status_text[:30]}”")
    period = int(_text(row, "regperiod") or 1) if _text(row, "regperiod").isdigit() else 1
    attributes = {key: value for key, value in (
        ("whmcs_status", status_text),
        ("registrar", _text(row, "registrar")),
        ("expires_on", _text(row, "expirydate").replace("0000-00-00", "")),
        ("registration_type", _text(row, "regtype")),
        ("registration_years", str(period)),
        ("do_not_renew", "yes" if _text(row, "donotrenew") in ("1", "true", "on") else ""),
    ) if value}
    return ServiceRecord(
        external_id=f"domain:{domain_id}", kind=ServiceKind.DOMAIN,
        customer_external_id=owner.customer_external_id,
        organization_external_id=owner.organization_external_id,
        plan=("." + name.split(".", 1)[1]) if "." in name else "", status=status,
        domain=name, started_on=_date(row, "regdate"), renews_on=_date(row, "nextduedate"),
        billing_cycle=DOMAIN_PERIODS.get(period, BillingCycle.ANNUALLY),
        recurring_amount=_amount(row, "recurringamount"), currency=owner.currency,
        attributes=attributes)
