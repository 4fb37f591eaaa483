"""The sync engine: what a batch from a billing system creates, changes and refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import AgentFactory, CustomerFactory, OrganizationFactory
from destek.accounts.models import Organization, Role, User
from destek.hosting import sync
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import CustomerValue, Service, Tier
from destek.hosting.records import CustomerRecord, OrganizationRecord, ServiceRecord
from destek.hosting.selectors import hosting_settings

pytestmark = pytest.mark.django_db


def service(n: int, **kw: object) -> ServiceRecord:
    values: dict[str, object] = {
        "external_id": f"S{n}", "kind": "vps", "customer_external_id": f"C{n % 7}",
        "plan": "VPS 4", "domain": f"site{n}.example.com", "server": "node1",
        "ip_addresses": ("10.0.0.1",), "started_on": date(2025, 1, 1),
        "renews_on": date(2027, 1, 1), "billing_cycle": "monthly",
        "recurring_amount": Decimal("20"), "currency": "usd", "attributes": {"ram": "4G"}}
    values.update(kw)
    return ServiceRecord(**values)  # type: ignore[arg-type]


def customer(n: int, **kw: object) -> CustomerRecord:
    values: dict[str, object] = {"external_id": f"C{n}", "email": f"c{n}@example.com",
                                 "full_name": f"Customer {n}"}
    values.update(kw)
    return CustomerRecord(**values)  # type: ignore[arg-type]


def batch(services: int = 20) -> dict[str, list]:  # type: ignore[type-arg]
    return {"organizations": [OrganizationRecord("O1", "Acme Hosting Ltd")],
            "customers": [customer(n, organization_external_id="O1" if n == 0 else "")
                          for n in range(7)],
            "services": [service(n) for n in range(services)]}


def test_a_batch_creates_everything_and_the_second_time_changes_nothing() -> None:
    first = sync.apply(source="whmcs", **batch())
    assert first.created == {"organization": 1, "customer": 7, "service": 20}
    assert not first.errors
    people = User.objects.filter(external_id__startswith="C")
    assert {u.role for u in people} == {Role.CUSTOMER}
    assert not any(u.has_usable_password() for u in people)
    s = Service.objects.get(source="whmcs", external_id="S3")
    assert (s.currency, s.ip_addresses, s.attributes) == ("USD", ["10.0.0.1"], {"ram": "4G"})
    before = list(Service.objects.values_list("updated_at", flat=True).order_by("pk"))

    with CaptureQueriesContext(connection) as queries:
        second = sync.apply(source="whmcs", **batch())
    assert second.unchanged == {"organization": 1, "customer": 7, "service": 20}
    assert not second.created and not second.updated and not second.errors
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert list(Service.objects.values_list("updated_at", flat=True).order_by("pk")) == before


def test_changes_are_applied_and_move_the_accounts_worth() -> None:
    sync.apply(source="whmcs", **batch())
    changed = batch()
    changed["services"][1] = replace(changed["services"][1], recurring_amount=Decimal("900"),
                                     renews_on=date(2028, 1, 1))
    report = sync.apply(source="whmcs", **changed)
    assert report.updated == {"service": 1}
    assert report.unchanged["service"] == 19
    owner = User.objects.get(external_id="C1")
    value = CustomerValue.objects.get(customer=owner)
    assert value.tier == Tier.KEY and value.monthly_value >= Decimal("900")


def test_the_same_source_and_id_is_one_service_other_sources_are_others() -> None:
    sync.apply(source="whmcs", **batch(3))
    sync.apply(source="blesta", services=[service(0)])
    assert Service.objects.filter(external_id="S0").count() == 2


def test_a_customer_who_already_wrote_in_is_matched_by_email_and_keeps_their_account() -> None:
    wrote_in = CustomerFactory(email="c2@example.com", full_name="")
    report = sync.apply(source="whmcs",
                        customers=[customer(2, email="  C2@Example.COM ", language="tr")])
    assert report.updated == {"customer": 1}
    wrote_in.refresh_from_db()
    assert (wrote_in.external_id, wrote_in.full_name, wrote_in.language) == \
        ("C2", "Customer 2", "tr")
    assert wrote_in.has_usable_password()  # their own password is untouched
    assert User.objects.filter(email="c2@example.com").count() == 1


def test_turkish_capital_i_in_an_email_is_the_address_the_person_meant() -> None:
    sync.apply(source="csv", customers=[customer(1, email="İNFO@ÖRNEK.COM.TR")])
    assert User.objects.get(external_id="C1").email == "info@örnek.com.tr"


def test_bad_records_are_reported_with_their_row_and_the_rest_applied() -> None:
    AgentFactory(email="agent@example.com", external_id="")
    OrganizationFactory(name="Taken Name", external_id="X9")
    report = sync.apply(
        source="whmcs",
        organizations=[OrganizationRecord("O1", "Taken Name"), OrganizationRecord("O2", "Fine"),
                       OrganizationRecord("O3", "Child", reseller_external_id="O2")],
        customers=[customer(0), customer(1, email="not-an-address"),
                   customer(2, email="agent@example.com"), customer(0, email="dup@example.com"),
                   customer(3, organization_external_id="NOPE")],
        services=[service(0, kind="spaceship"), service(1, customer_external_id="C0",
                                                        domain="bad domain!"),
                  service(2, customer_external_id="C0", recurring_amount=Decimal("-1")),
                  service(3, customer_external_id="C0", currency="dollars"),
                  service(4, customer_external_id="C0", status="frozen"),
                  service(5, customer_external_id="C1"),
                  service(6, customer_external_id="", organization_external_id=""),
                  service(7, customer_external_id="C0", ip_addresses=("999.1.1.1",)),
                  service(8, customer_external_id="C0", control_panel="cpanel",
                          control_panel_url="javascript:alert(1)"),
                  service(9, customer_external_id="C0", domain="örnek.com.tr")],
        language="en")
    bad = {(e.kind, e.row): e.message for e in report.errors}
    assert "already called" in bad[("organization", 0)]
    assert "not a known reseller" in bad[("organization", 2)]
    assert "not an email address" in bad[("customer", 1)]
    assert "staff member" in bad[("customer", 2)]
    assert "appears twice" in bad[("customer", 3)]
    assert "Unknown organization" in bad[("customer", 4)]
    assert "spaceship" in bad[("service", 0)]
    assert "not a domain name" in bad[("service", 1)]
    assert "negative" in bad[("service", 2)]
    assert "three letters" in bad[("service", 3)]
    assert "frozen" in bad[("service", 4)]
    assert "Unknown customer" in bad[("service", 5)]
    assert "no owner" in bad[("service", 6)]
    assert "IP address" in bad[("service", 7)]
    assert "web address" in bad[("service", 8)]
    assert ("service", 9) not in bad
    assert report.created == {"organization": 1, "customer": 1, "service": 1}
    assert Service.objects.get().domain == "örnek.com.tr"


def test_errors_are_in_the_language_asked_for() -> None:
    report = sync.apply(source="csv", services=[service(0, kind="spaceship")], language="tr")
    assert "spaceship" in report.errors[0].message
    assert report.errors[0].message.startswith("Tür “spaceship” şunlardan biri değil")


def test_resellers_and_their_end_customers_in_one_batch_in_any_order() -> None:
    report = sync.apply(source="whmcs", organizations=[
        OrganizationRecord("E1", "End One", reseller_external_id="R1"),
        OrganizationRecord("R1", "Reseller", is_reseller=True)])
    assert not report.errors
    end = Organization.objects.get(external_id="E1")
    assert end.reseller == Organization.objects.get(external_id="R1")
    again = sync.apply(source="whmcs", organizations=[
        OrganizationRecord("E1", "End One", reseller_external_id="R1"),
        OrganizationRecord("R1", "Reseller", is_reseller=True)])
    assert again.unchanged == {"organization": 2}


def test_an_organization_typed_in_by_hand_is_adopted_by_name() -> None:
    by_hand = OrganizationFactory(name="Acme Hosting Ltd")
    report = sync.apply(source="whmcs", organizations=[OrganizationRecord("O1",
                                                                          "Acme  Hosting Ltd")])
    assert report.updated == {"organization": 1}
    by_hand.refresh_from_db()
    assert by_hand.external_id == "O1"


def test_a_customer_leaving_an_organization_moves_their_services_worth() -> None:
    sync.apply(source="whmcs", organizations=[OrganizationRecord("O1", "Acme")],
               customers=[customer(0, organization_external_id="O1")],
               services=[service(0, customer_external_id="C0", recurring_amount=Decimal("600"))])
    org = Organization.objects.get(external_id="O1")
    assert CustomerValue.objects.get(organization=org).tier == Tier.KEY
    sync.apply(source="whmcs", customers=[customer(0)])
    person = User.objects.get(external_id="C0")
    assert person.organization_id is None
    assert CustomerValue.objects.get(organization=org).monthly_value == 0
    assert CustomerValue.objects.get(customer=person).tier == Tier.KEY


def test_a_customer_put_in_an_organization_by_hand_stays_there() -> None:
    org = OrganizationFactory(name="Typed in")
    CustomerFactory(email="c0@example.com", organization=org)
    sync.apply(source="whmcs", customers=[customer(0)])
    assert User.objects.get(email="c0@example.com").organization == org


def test_each_batch_costs_the_same_number_of_queries_whatever_its_size() -> None:
    def cost(n: int, offset: int) -> tuple[int, int]:
        records = {"customers": [customer(offset + i) for i in range(n)],
                   "services": [service(offset + i, customer_external_id=f"C{offset + i}")
                                for i in range(n)]}
        with CaptureQueriesContext(connection) as created:
            report = sync.apply(source="whmcs", batch_size=1000, **records)
        assert report.created == {"customer": n, "service": n}
        records["services"] = [replace(s, plan="Bigger") for s in records["services"]]
        with CaptureQueriesContext(connection) as updated:
            report = sync.apply(source="whmcs", batch_size=1000, **records)
        assert report.updated == {"service": n}
        return len(created), len(updated)

    hosting_settings()  # created on first use: not part of what a batch costs
    # (30: under SQLite's 999 parameters per statement, past which Django splits a write)
    assert cost(5, 0) == cost(30, 100)


def test_large_inputs_are_applied_in_batches() -> None:
    records = batch(25)
    with CaptureQueriesContext(connection) as small:
        sync.apply(source="whmcs", batch_size=10, **records)
    assert Service.objects.count() == 25
    with CaptureQueriesContext(connection) as big:
        sync.apply(source="b2", batch_size=1000, services=records["services"])
    assert len(big) < len(small)


def test_deleting_services_customers_and_organizations() -> None:
    from destek.accounts.factories import DepartmentFactory
    from destek.tickets.factories import open_ticket

    sync.apply(source="whmcs", **batch(10))
    wrote_in = User.objects.get(external_id="C3")
    open_ticket(customer=wrote_in, department=DepartmentFactory())
    report = sync.delete(source="whmcs", service_external_ids=["S0", "S1", "NOPE"],
                         customer_external_ids=["C3", "C4"], organization_external_ids=["O1"])
    assert report.deleted == {"service": 2, "customer": 1, "organization": 1}
    assert report.unchanged == {"service": 1}
    assert report.detached == {"customer": 1}
    assert [n.external_id for n in report.notices] == ["C3"]
    wrote_in.refresh_from_db()
    assert wrote_in.external_id == "" and wrote_in.is_active
    assert not Service.objects.filter(customer=wrote_in).exists()
    assert not User.objects.filter(external_id="C4").exists()
    assert not Organization.objects.filter(external_id="O1").exists()
    # C0 was in O1: their services now make an account of their own
    assert CustomerValue.objects.filter(customer__external_id="C0").exists()


def test_services_typed_in_by_hand_are_never_touched_by_a_sync() -> None:
    by_hand = ServiceFactory(external_id="")
    sync.apply(source="whmcs", **batch(3))
    sync.delete(source="whmcs", service_external_ids=["", "S0"])
    assert Service.objects.filter(pk=by_hand.pk).exists()


def test_a_bad_source_is_refused() -> None:
    from destek.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        sync.apply(source="", services=[service(0)])
