"""The pre-chat form's service: a signed-in customer names one of their services (their only
one by default), the chat remembers it and the ticket made from the chat inherits it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import CustomerFactory, MembershipFactory, OrganizationFactory
from destek.accounts.models import User
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import Service, ServiceKind, ServiceStatus
from destek.livechat.models import Conversation
from destek.livechat.services.tickets import chat_convert_to_ticket
from destek.livechat.tests.conftest import SHOP, go_online
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, data: dict, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json",
                       headers=headers)


@pytest.fixture
def member() -> User:
    return CustomerFactory(organization=OrganizationFactory())


@pytest.fixture
def signed_in(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_config_offers_a_signed_in_customers_services(department, member, signed_in):
    own = ServiceFactory(customer=member, plan="Business", domain="shop.example.com")
    ServiceFactory(customer=member, status=ServiceStatus.CANCELLED)
    ServiceFactory(customer=CustomerFactory())
    data = signed_in.get("/chat/api/config").json()
    assert data["services"] == [{"id": own.pk, "label": "Business · shop.example.com"}]
    assert data["service"] == own.pk  # the only one is chosen
    assert data["strings"]["service"] == "Service"
    assert data["strings"]["no_service"] == "Not about a specific service"
    company = ServiceFactory(customer=None, organization=member.organization,
                             kind=ServiceKind.DEDICATED, plan="", domain="db.example.com",
                             status=ServiceStatus.SUSPENDED)
    turkish = signed_in.get("/chat/api/config?lang=tr").json()
    assert turkish["services"] == [
        {"id": own.pk, "label": "Business · shop.example.com"},
        {"id": company.pk, "label": "Dedicated sunucu · db.example.com (Askıya alındı)"}]
    assert turkish["service"] is None  # two: the customer chooses
    assert turkish["strings"]["service"] == "Hizmet"
    assert turkish["strings"]["no_service"] == "Belirli bir hizmetle ilgili değil"


def test_visitors_and_other_websites_get_no_services(department, member, signed_in):
    ServiceFactory(customer=member)
    assert Client().get("/chat/api/config").json()["services"] == []
    across = signed_in.get("/chat/api/config", headers={"Origin": SHOP}).json()
    assert across["services"] == [] and across["service"] is None


def test_the_config_reads_the_services_in_one_query(department, member, signed_in):
    ServiceFactory(customer=member)
    signed_in.get("/chat/api/config")  # warm-up (caches)
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/chat/api/config")
    ServiceFactory.create_batch(5, customer=member)
    ServiceFactory.create_batch(5, customer=None, organization=member.organization)
    with CaptureQueriesContext(connection) as many:
        assert len(signed_in.get("/chat/api/config").json()["services"]) == 11
    assert len(few) == len(many)


def test_the_chosen_service_is_kept_and_the_ticket_inherits_it(department, member,
                                                               signed_in):
    agent = MembershipFactory(department=department).agent
    go_online(agent)
    ServiceFactory(customer=member)
    chosen = ServiceFactory(customer=None, organization=member.organization)
    started = post(signed_in, "/chat/api/start", {"topic": "VPS is slow", "service": chosen.pk})
    assert started.status_code == 201, started.content
    chat = Conversation.objects.get()
    assert chat.service_id == chosen.pk
    ticket = chat_convert_to_ticket(actor=agent, conversation_id=chat.pk)
    assert Ticket.objects.get(pk=ticket.pk).service_id == chosen.pk


def test_no_service_is_a_chat_about_none(department, member, signed_in):
    ServiceFactory(customer=member)
    assert post(signed_in, "/chat/api/start", {"service": ""}).status_code == 201
    assert Conversation.objects.get().service_id is None


@pytest.mark.parametrize("whose", ["another customer's", "another organization's", "unknown",
                                   "not an id"])
def test_anyone_elses_service_is_refused_alike(department, member, signed_in, whose):
    forged = {
        "another customer's": lambda: ServiceFactory(customer=CustomerFactory()).pk,
        "another organization's": lambda: ServiceFactory(
            customer=None, organization=OrganizationFactory()).pk,
        "unknown": lambda: 987654321,
        "not an id": lambda: "1; DROP TABLE",
    }[whose]()
    response = post(signed_in, "/chat/api/start", {"service": forged})
    assert response.status_code == 400
    assert response.json() == {"error": "Choose one of your services.", "field": "service"}
    assert not Conversation.objects.exists()


def test_a_visitor_names_no_service(department):
    someone = ServiceFactory(customer=CustomerFactory(email="owner@example.com"))
    response = post(Client(), "/chat/api/start", {"email": "owner@example.com",
                                                  "service": someone.pk}, Origin=SHOP)
    assert response.status_code == 201
    assert Conversation.objects.get().service_id is None


def test_a_service_that_changed_hands_is_not_given_to_the_ticket(department, member,
                                                                 signed_in):
    """The funnel checks again when the ticket is made: a service moved to another owner in
    between is not the ticket's."""
    agent = MembershipFactory(department=department).agent
    go_online(agent)
    service = ServiceFactory(customer=member)
    post(signed_in, "/chat/api/start", {"service": service.pk})
    Service.objects.filter(pk=service.pk).update(customer=CustomerFactory())
    chat = Conversation.objects.get()
    ticket = chat_convert_to_ticket(actor=agent, conversation_id=chat.pk)
    assert Ticket.objects.get(pk=ticket.pk).service_id is None


def test_an_offline_message_names_the_customers_service(department, member, signed_in):
    mine = ServiceFactory(customer=member)
    sent = post(signed_in, "/chat/api/offline", {"body": "Call me", "client_id": "o-1",
                                                 "service": mine.pk})
    assert sent.status_code == 201
    assert Ticket.objects.get().service_id == mine.pk
    foreign = ServiceFactory(customer=CustomerFactory())
    ignored = post(signed_in, "/chat/api/offline", {"body": "Call me", "client_id": "o-2",
                                                    "service": foreign.pk})
    assert ignored.status_code == 201
    assert Ticket.objects.get(pk=Ticket.objects.order_by("-pk").first().pk).service_id is None
