"""WHMCS rows (as recorded from the documented replies) → hosting records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from destek.hosting.whmcs.mapping import (
    Catalog,
    MappingError,
    Owner,
    Product,
    map_client,
    map_domain,
    map_product,
)
from destek.hosting.whmcs.testing import recorded

CATALOG = Catalog(
    source="whmcs", default_currency="USD",
    products={str(p["pid"]): Product(type=p["type"], module=p["module"])
              for p in recorded("GetProducts")["products"]["product"]},
    currencies={"1": "USD", "2": "TRY", "3": "EUR"},
    kind_map={"vps": "vps", "SSL Certificates": "ssl"})
OWNER = Owner(customer_external_id="whmcs:client:2",
              organization_external_id="whmcs:company:2", currency="USD")


def client(n: int) -> dict[str, Any]:
    return next(c for c in recorded("GetClients")["clients"]["client"] if c["id"] == n)


def product(n: int) -> dict[str, Any]:
    return next(p for p in recorded("GetClientsProducts")["products"]["product"]
                if p["id"] == n)


def domain(n: int) -> dict[str, Any]:
    return next(d for d in recorded("GetClientsDomains")["domains"]["domain"] if d["id"] == n)


def details(n: int) -> dict[str, Any]:
    return recorded("GetClientsDetails")[str(n)]["client"]


def test_a_client_with_a_company_brings_an_organization() -> None:
    customer, organization, owner = map_client(client(4), details(4), catalog=CATALOG)
    assert organization is not None
    assert (organization.external_id, organization.name) == ("whmcs:company:4",
                                                             "Kaya Yazılım A.Ş.")
    assert customer.external_id == "whmcs:client:4"
    assert customer.organization_external_id == "whmcs:company:4"
    assert (customer.full_name, customer.email) == ("Elif Kaya", "elif@kaya.example")
    assert (customer.language, customer.phone) == ("tr", "+90.2121234567")
    assert owner == Owner("whmcs:client:4", "whmcs:company:4", "TRY")


def test_a_person_without_details_pays_in_the_default_currency() -> None:
    customer, organization, owner = map_client(client(1), None, catalog=CATALOG)
    assert organization is None and customer.organization_external_id == ""
    assert owner.currency == "USD" and customer.language == ""
    # a language Destek does not speak is left for the person to choose
    assert map_client(client(5), details(5), catalog=CATALOG)[0].language == ""


def test_the_currency_id_is_read_through_getcurrencies() -> None:
    row = {**client(3), "currency": 3}
    assert map_client(row, None, catalog=CATALOG)[2].currency == "EUR"


def test_a_client_without_email_is_refused() -> None:
    with pytest.raises(MappingError):
        map_client({**client(1), "email": ""}, None, catalog=CATALOG)


def test_a_cpanel_account_has_its_server_panel_and_dates() -> None:
    service = map_product(product(11), catalog=CATALOG, owner=OWNER)
    assert service.external_id == "product:11"
    assert (service.kind, service.status, service.plan) == ("shared", "active", "Starter")
    assert (service.server, service.control_panel) == ("web01", "cpanel")
    assert service.control_panel_url == "https://web01.example.net:2083/"
    assert (service.started_on, service.renews_on) == (date(2019, 3, 4), date(2027, 1, 4))
    assert (service.billing_cycle, service.recurring_amount) == ("monthly", Decimal("49.90"))
    assert service.currency == "USD"
    assert service.attributes["username"] == "aysecom"
    assert "password" not in service.attributes
    assert service.attributes["server_hostname"] == "web01.example.net"


def test_the_group_map_wins_over_the_product_type() -> None:
    vps = map_product(product(12), catalog=CATALOG, owner=OWNER)
    assert vps.kind == "vps"  # type "server", group "VPS" (the map ignores case)
    assert vps.ip_addresses == ("198.51.100.7", "198.51.100.8", "198.51.100.9")
    assert vps.control_panel == ""  # proxmox is no control panel Destek knows
    assert vps.attributes["module"] == "proxmox"
    assert map_product(product(13), catalog=CATALOG, owner=OWNER).kind == "dedicated"
    assert map_product(product(14), catalog=CATALOG, owner=OWNER).kind == "reseller"
    assert map_product(product(16), catalog=CATALOG, owner=OWNER).kind == "ssl"
    assert map_product(product(17), catalog=CATALOG, owner=OWNER).kind == "other"


@pytest.mark.parametrize(("service_id", "status", "cycle"), [
    (13, "suspended", "annually"), (14, "pending", "semiannually"),
    (15, "cancelled", "monthly"), (16, "active", "free"), (17, "cancelled", "one_time"),
    (18, "active", "biennially"), (19, "cancelled", "triennially"), (20, "cancelled", "monthly"),
])
def test_statuses_and_billing_cycles(service_id: int, status: str, cycle: str) -> None:
    service = map_product(product(service_id), catalog=CATALOG, owner=OWNER)
    assert (service.status, service.billing_cycle) == (status, cycle)
    assert service.attributes["whmcs_status"] == product(service_id)["status"]


def test_panels_link_to_their_login_page() -> None:
    assert map_product(product(14), catalog=CATALOG, owner=OWNER).control_panel_url == \
        "https://plesk01.example.net:8443/"
    assert map_product(product(18), catalog=CATALOG, owner=OWNER).control_panel == \
        "directadmin"


def test_an_empty_due_date_is_no_date() -> None:
    assert map_product(product(14), catalog=CATALOG, owner=OWNER).renews_on is None


def test_an_unknown_billing_cycle_or_status_is_an_error_not_a_guess() -> None:
    with pytest.raises(MappingError, match="billing cycle"):
        map_product({**product(11), "billingcycle": "Weekly"}, catalog=CATALOG, owner=OWNER)
    with pytest.raises(MappingError, match="status"):
        map_product({**product(11), "status": "Frozen"}, catalog=CATALOG, owner=OWNER)
    with pytest.raises(MappingError, match="amount"):
        map_product({**product(11), "recurringamount": "ten"}, catalog=CATALOG, owner=OWNER)


def test_domains() -> None:
    active = map_domain(domain(31), catalog=CATALOG, owner=OWNER)
    assert (active.external_id, active.kind, active.domain) == (
        "domain:31", "domain", "ayse.example.com.tr")
    assert (active.plan, active.status, active.billing_cycle) == (".example.com.tr", "active",
                                                                  "annually")
    assert active.attributes["registrar"] == "nicTR"
    grace = map_domain(domain(32), catalog=CATALOG, owner=OWNER)
    assert (grace.status, grace.billing_cycle) == ("suspended", "biennially")
    expired = map_domain(domain(33), catalog=CATALOG, owner=OWNER)
    assert expired.status == "cancelled" and expired.attributes["do_not_renew"] == "yes"
    assert map_domain(domain(34), catalog=CATALOG, owner=OWNER).status == "pending"
