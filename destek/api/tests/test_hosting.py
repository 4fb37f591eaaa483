"""Hosting data through the API: integrations (administrators) put, read, delete and sync;
agents read a customer's services; nobody else reaches any of it."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory, CustomerFactory
from destek.accounts.models import Role, User
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import Service
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

SYNC = "/api/v1/hosting/sync/"
SERVICE = "/api/v1/hosting/services/whmcs/{}/"
CUSTOMER = "/api/v1/hosting/customers/{}/"
ORGANIZATION = "/api/v1/hosting/organizations/{}/"


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(role=Role.ADMIN, email="admin@support.example.com")


def service_body(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {"kind": "vps", "customer_external_id": "C1", "plan": "VPS 8",
                               "domain": "örnek.com.tr", "server": "node7",
                               "ip_addresses": ["192.0.2.10"], "renews_on": "2027-03-01",
                               "billing_cycle": "annually", "recurring_amount": "240.00",
                               "currency": "EUR", "attributes": {"os": "Debian 13"}}
    body.update(kw)
    return body


def test_an_integration_puts_a_customer_then_a_service_idempotently(as_user, admin):
    client = as_user(admin)
    made = client.put(CUSTOMER.format("C1"), {"email": "Ayse@Example.com",
                                              "full_name": "Ayşe Yılmaz"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["email"] == "ayse@example.com"
    again = client.put(CUSTOMER.format("C1"), {"email": "ayse@example.com"}, format="json")
    assert again.status_code == 200 and again.json()["full_name"] == "Ayşe Yılmaz"

    put = client.put(SERVICE.format("S1"), service_body(), format="json")
    assert put.status_code == 201, put.json()
    body = put.json()
    assert (body["domain"], body["currency"], body["recurring_amount"]) == \
        ("örnek.com.tr", "EUR", "240.00")
    assert client.put(SERVICE.format("S1"), service_body(), format="json").status_code == 200
    assert Service.objects.count() == 1
    assert client.get(SERVICE.format("S1")).json()["plan"] == "VPS 8"

    gone = client.delete(SERVICE.format("S1"))
    assert gone.status_code == 200 and gone.json()["deleted"] == {"service": 1}
    assert client.delete(SERVICE.format("S1")).status_code == 404
    assert client.get(SERVICE.format("S1")).status_code == 404


def test_bad_input_is_a_clear_400_and_writes_nothing(as_user, admin):
    client = as_user(admin)
    client.put(CUSTOMER.format("C1"), {"email": "c1@example.com"}, format="json")
    unknown_owner = client.put(SERVICE.format("S1"), service_body(customer_external_id="NOPE"),
                               format="json")
    assert unknown_owner.status_code == 400
    assert "Unknown customer" in unknown_owner.json()["error"]["message"]
    bad_kind = client.put(SERVICE.format("S1"), service_body(kind="spaceship"), format="json",
                          HTTP_ACCEPT_LANGUAGE="tr")
    assert bad_kind.status_code == 400
    bad_date = client.put(SERVICE.format("S1"), service_body(renews_on="next year"),
                          format="json")
    assert bad_date.status_code == 400 and bad_date.json()["error"]["field"] == "renews_on"
    assert not Service.objects.exists()


def test_organizations_by_external_id(as_user, admin):
    client = as_user(admin)
    assert client.put(ORGANIZATION.format("R1"), {"name": "Reseller", "is_reseller": True},
                      format="json").status_code == 201
    end = client.put(ORGANIZATION.format("E1"), {"name": "End customer",
                                                 "reseller_external_id": "R1"}, format="json")
    assert end.status_code == 201 and end.json()["reseller_external_id"] == "R1"
    assert client.get(ORGANIZATION.format("E1")).json()["name"] == "End customer"
    assert client.delete(ORGANIZATION.format("E1")).status_code == 200
    assert client.get(ORGANIZATION.format("E1")).status_code == 404


def test_deleting_a_customer_with_tickets_keeps_them_detached(as_user, admin, department):
    client = as_user(admin)
    client.put(CUSTOMER.format("C1"), {"email": "c1@example.com"}, format="json")
    open_ticket(customer=User.objects.get(external_id="C1"), department=department)
    report = client.delete(CUSTOMER.format("C1")).json()
    assert report["detached"] == {"customer": 1} and report["notices"]
    assert User.objects.filter(email="c1@example.com").exists()


def test_sync_reports_each_bad_row_and_applies_the_rest(as_user, admin):
    payload = {"source": "whmcs",
               "organizations": [{"external_id": "O1", "name": "Acme"}],
               "customers": [{"external_id": "C1", "email": "c1@example.com",
                              "organization_external_id": "O1"},
                             {"external_id": "C2", "email": "nope"}],
               "services": [dict(service_body(), external_id="S1"),
                            dict(service_body(kind="nope"), external_id="S2"),
                            dict(service_body(customer_external_id="C2"), external_id="S3")]}
    client = as_user(admin)
    first = client.post(SYNC, payload, format="json")
    assert first.status_code == 200, first.json()
    body = first.json()
    assert body["created"] == {"organization": 1, "customer": 1, "service": 1}
    assert [(e["kind"], e["row"]) for e in body["errors"]] == \
        [("customer", 1), ("service", 1), ("service", 2)]
    second = client.post(SYNC, payload, format="json").json()
    assert second["unchanged"] == {"organization": 1, "customer": 1, "service": 1}
    assert second["created"] == {} and second["updated"] == {}

    payload["delete"] = {"services": ["S1"]}
    assert client.post(SYNC, payload, format="json").json()["deleted"] == {"service": 1}


def test_sync_all_or_nothing_writes_nothing_when_a_record_is_bad(as_user, admin):
    payload = {"source": "whmcs", "all_or_nothing": True,
               "customers": [{"external_id": "C1", "email": "c1@example.com"},
                             {"external_id": "C2", "email": "nope"}]}
    response = as_user(admin).post(SYNC, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["row"] == 1
    assert not User.objects.filter(external_id="C1").exists()


def test_sync_is_bounded(as_user, admin, settings):
    services = [dict(service_body(), external_id=f"S{n}") for n in range(5001)]
    response = as_user(admin).post(SYNC, {"source": "x", "services": services}, format="json")
    assert response.status_code == 400
    assert not Service.objects.exists()


@pytest.mark.parametrize(("who", "code"), [("agent", 403), ("customer", 404)])
def test_only_administrators_reach_the_integration_endpoints(as_user, api, who, code, request):
    person = request.getfixturevalue(who)
    client = as_user(person)
    ServiceFactory(source="whmcs", external_id="S1")
    assert client.get(SERVICE.format("S1")).status_code == code
    assert client.put(SERVICE.format("S1"), service_body(), format="json").status_code == code
    assert client.delete(SERVICE.format("S1")).status_code == code
    assert client.post(SYNC, {"source": "x"}, format="json").status_code == code
    assert client.get(CUSTOMER.format("C1")).status_code == code
    assert api.get(SERVICE.format("S1")).status_code == 401
    assert Service.objects.count() == 1


def test_agents_read_a_customers_services_within_their_scope(as_user, agent, outsourced,
                                                             customer, other_customer,
                                                             department, other_department,
                                                             django_assert_max_num_queries):
    mine = ServiceFactory.create_batch(3, customer=customer)
    ServiceFactory(customer=other_customer)
    url = f"/api/v1/hosting/customers/{customer.pk}/services/"
    client = as_user(agent)
    with django_assert_max_num_queries(4):
        page = client.get(url, {"limit": 2}).json()
    seen = [s["id"] for s in page["results"]]
    page = client.get(page["next"]).json()
    seen += [s["id"] for s in page["results"]]
    assert sorted(seen) == sorted(s.pk for s in mine)
    # an outsourced agent: only customers with tickets in their departments
    assert as_user(outsourced).get(url).status_code == 404
    open_ticket(customer=customer, department=other_department)
    assert as_user(outsourced).get(url).status_code == 200
    # a customer: not even their own through this door
    assert as_user(customer).get(url).status_code == 404
    assert as_user(CustomerFactory()).get(url).status_code == 404


def test_the_endpoints_are_in_the_schema(api):
    paths = set(api.get("/api/schema/?format=json").json()["paths"])
    assert {"/api/v1/hosting/sync/", "/api/v1/hosting/services/{source}/{external_id}/",
            "/api/v1/hosting/customers/{external_id}/",
            "/api/v1/hosting/organizations/{external_id}/",
            "/api/v1/hosting/customers/{customer_id}/services/"} <= paths
