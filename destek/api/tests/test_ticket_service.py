"""Opening a ticket about a hosting service through the API: only the customer's own (or their
organization's) service, a clear 400 for any other, and the service in the representation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ServiceKind, ServiceStatus
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def _body(department, **extra):  # type: ignore[no-untyped-def]
    return {"subject": "Site is down", "body": "It returns 500.", "department": department.pk,
            **extra}


def test_a_customer_opens_a_ticket_about_their_service(as_user, department):
    organization = OrganizationFactory()
    customer = CustomerFactory(organization=organization)
    vps = ServiceFactory(customer=None, organization=organization, kind=ServiceKind.VPS,
                         plan="VPS 4", domain="vps.example.net")
    client = as_user(customer)
    created = client.post(LIST, _body(department, service=vps.pk), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["service"] == {"id": vps.pk, "kind": "vps", "plan": "VPS 4",
                                         "domain": "vps.example.net"}
    assert created.json() == client.get(created.json()["url"]).json()
    assert Ticket.objects.get().service_id == vps.pk
    plain = client.post(LIST, _body(department, service=None), format="json")
    assert plain.status_code == 201 and plain.json()["service"] is None
    # An integration may name a cancelled service of the customer: it is theirs.
    cancelled = ServiceFactory(customer=customer, status=ServiceStatus.CANCELLED)
    assert client.post(LIST, _body(department, service=cancelled.pk),
                       format="json").status_code == 201


@pytest.mark.parametrize("whose", ["another customer's", "another organization's", "unknown"])
def test_anyone_elses_service_is_a_400_that_says_nothing_of_it(as_user, customer, department,
                                                               whose):
    forged = {
        "another customer's": lambda: ServiceFactory(customer=CustomerFactory()).pk,
        "another organization's": lambda: ServiceFactory(
            customer=None, organization=OrganizationFactory()).pk,
        "unknown": lambda: 987654321,
    }[whose]()
    response = as_user(customer).post(LIST, _body(department, service=forged), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "service"
    assert response.json()["error"]["message"] == "Choose one of your services."
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("value", ["x", 0, -1, 2**63, [1], {"id": 1}])
def test_a_malformed_service_is_a_400(as_user, customer, department, value):
    response = as_user(customer).post(LIST, _body(department, service=value), format="json")
    assert response.status_code == 400
    assert "service" in response.json()["error"]["fields"]


def test_an_agent_names_one_of_the_customers_services(as_user, agent, customer, department):
    service = ServiceFactory(customer=customer, plan="Starter", domain="a.example.com")
    client = as_user(agent)
    by_id = client.post(LIST, _body(department, customer=customer.pk, service=service.pk),
                        format="json")
    assert by_id.status_code == 201, by_id.content
    assert by_id.json()["service"]["id"] == service.pk
    assert by_id.json() == client.get(by_id.json()["url"]).json()
    by_email = client.post(LIST, _body(department, customer_email=customer.email.upper(),
                                       service=service.pk), format="json")
    assert by_email.status_code == 201 and by_email.json()["service"]["id"] == service.pk
    other = ServiceFactory(customer=CustomerFactory())
    for body in (_body(department, customer=customer.pk, service=other.pk),
                 _body(department, customer_email=customer.email, service=other.pk),
                 _body(department, customer_email="new@example.org", service=service.pk)):
        refused = client.post(LIST, body, format="json")
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert (error["code"], error["message"], error["field"]) == (
            "invalid", "Choose one of this customer's services.", "service")
    assert Ticket.objects.count() == 2


def test_the_error_is_translated(as_user, customer, department):
    other = ServiceFactory(customer=CustomerFactory())
    response = as_user(customer).post(LIST, _body(department, service=other.pk), format="json",
                                      HTTP_ACCEPT_LANGUAGE="tr")
    assert response.json()["error"]["message"] == "Hizmetlerinizden birini seçin."


def test_a_named_service_costs_one_query(as_user, customer, department):
    service = ServiceFactory(customer=customer)
    client = as_user(customer)

    def open_(**extra: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(LIST, _body(department, **extra), format="json")
        assert response.status_code == 201
        return len(captured)

    open_()  # per-process caches warm up
    assert open_(service=service.pk) == open_() + 1


def test_the_representation_matches_the_documented_serializer(agent, customer, department,
                                                              settings):
    from destek.api.tests.test_representations import both
    from destek.tickets.factories import open_ticket

    service = ServiceFactory(customer=customer, plan="", domain="")
    ticket = open_ticket(customer=customer, department=department, service=service)
    settings.ALLOWED_HOSTS = ["help.example.com"]
    for user in (agent, customer):
        drf, ours = both(user, ticket)
        assert ours == drf and '"service": {"id": ' in ours
