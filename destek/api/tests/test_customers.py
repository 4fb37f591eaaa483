"""Customers: agents list, search, read and add; customers only see themselves."""

from __future__ import annotations

import pytest

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.accounts.models import Role, User

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers/"


def test_agent_lists_customers_newest_first(as_user, agent, customer, other_customer):
    body = as_user(agent).get(LIST).json()
    assert [c["id"] for c in body["results"]] == [other_customer.pk, customer.pk]
    assert body["next"] is None
    assert body["results"][1]["email"] == customer.email
    assert agent.pk not in [c["id"] for c in body["results"]]


def test_agent_pages_through_customers(as_user, agent):
    CustomerFactory.create_batch(5)
    client = as_user(agent)
    page = client.get(LIST, {"limit": 2}).json()
    seen = [c["id"] for c in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [c["id"] for c in page["results"]]
    assert len(seen) == len(set(seen)) == 5


def test_agent_searches_customers(as_user, agent):
    acme = OrganizationFactory(name="Acme Hosting")
    ayse = CustomerFactory(full_name="Ayşe Yılmaz", email="ayse@example.com")
    bob = CustomerFactory(full_name="Bob", email="bob@acme.test", organization=acme)
    client = as_user(agent)
    ids = lambda q: [c["id"] for c in client.get(LIST, {"q": q}).json()["results"]]  # noqa: E731
    assert ids("ayse@") == [ayse.pk]
    assert ids("Yılmaz") == [ayse.pk]
    assert ids("acme") == [bob.pk]
    assert client.get(LIST, {"q": "acme"}).json()["results"][0]["organization"] == "Acme Hosting"


def test_agent_creates_a_customer(as_user, agent):
    response = as_user(agent).post(LIST, {
        "email": "New@Customer.com", "full_name": "New Customer",
        "organization": "Example Ltd", "language": "tr", "phone": "+90 555 000 00 00",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(pk=body["id"])
    assert user.email == "new@customer.com"
    assert user.role == Role.CUSTOMER
    assert user.organization.name == "Example Ltd"
    assert user.language == "tr"
    assert not user.has_usable_password()
    assert body["organization"] == "Example Ltd"
    detail = as_user(agent).get(body["url"])
    assert detail.status_code == 200
    assert detail.json() == body


def test_duplicate_email_is_refused(as_user, agent, customer):
    response = as_user(agent).post(LIST, {"email": customer.email.upper()}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "email"


def test_bad_customer_input(as_user, agent):
    client = as_user(agent)
    assert client.post(LIST, {"email": "not-an-email"}, format="json").status_code == 400
    assert client.post(LIST, {"email": "a@b.co", "language": "xx"},
                       format="json").status_code == 400


def test_customer_cannot_list_or_create(as_user, customer):
    client = as_user(customer)
    listing = client.get(LIST)
    assert listing.status_code == 403
    assert listing.json()["error"]["code"] == "permission_denied"
    assert client.post(LIST, {"email": "x@example.com"}, format="json").status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()


def test_customer_sees_only_their_own_record(as_user, customer, other_customer):
    client = as_user(customer)
    assert client.get(f"{LIST}{other_customer.pk}/").status_code == 404
    assert client.get(f"{LIST}{customer.pk}/").status_code == 200
    me = client.get(f"{LIST}me/")
    assert me.status_code == 200
    assert me.json()["email"] == customer.email


def test_agents_are_not_customers(as_user, agent):
    client = as_user(agent)
    assert client.get(f"{LIST}{agent.pk}/").status_code == 404
    assert client.get(f"{LIST}me/").status_code == 404
