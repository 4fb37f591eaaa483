"""The new-ticket form's service picker: the customer's own and their organization's live
services, their only one by default, never anyone else's; the ticket page names it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ServiceKind, ServiceStatus
from destek.tickets.access import guest_token_for
from destek.tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db

NEW = reverse("portal:ticket_new")


def _data(department, **overrides):  # type: ignore[no-untyped-def]
    data = {"department": department.pk, "priority": Priority.NORMAL, "subject": "Site down",
            "body": "It returns 500."}
    data.update(overrides)
    return data


def _options(html: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select[^>]*data-testid="new-ticket-service".*?</select>', html, re.S)
    assert select, "no service picker"
    return [(value, label.strip(), bool(selected)) for value, selected, label in re.findall(
        r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group())]


@pytest.fixture
def member(client):  # type: ignore[no-untyped-def]
    """A customer of an organization, signed in, with services of their own and of it."""
    organization = OrganizationFactory()
    person = CustomerFactory(organization=organization)
    client.force_login(person)
    return person


def test_the_picker_lists_live_services_of_the_customer_and_their_organization(
        client, member, department):
    own = ServiceFactory(customer=member, plan="Business", domain="shop.example.com")
    company = ServiceFactory(customer=None, organization=member.organization,
                             kind=ServiceKind.VPS, plan="", domain="",
                             status=ServiceStatus.SUSPENDED)
    pending = ServiceFactory(customer=member, plan="Mail Pro", domain="mail.example.net",
                             status=ServiceStatus.PENDING)
    ServiceFactory(customer=member, domain="gone.example.com", status=ServiceStatus.CANCELLED)
    ServiceFactory(customer=CustomerFactory(), domain="someone-else.example.com")
    ServiceFactory(customer=None, organization=OrganizationFactory(), domain="other-org.com")
    html = client.get(NEW).content.decode()
    assert _options(html) == [
        ("", "Not about a specific service", True),
        (str(own.pk), "Business · shop.example.com", False),
        (str(company.pk), "VPS (Suspended)", False),
        (str(pending.pk), "Mail Pro · mail.example.net (Pending)", False),
    ]
    assert '<label class="form-label" for="id_service">Service' in html
    for hidden in ("gone.example.com", "someone-else", "other-org"):
        assert hidden not in html


def test_the_only_service_is_chosen_by_default_and_none_means_no_picker(client, member,
                                                                        department):
    assert 'data-testid="new-ticket-service"' not in client.get(NEW).content.decode()
    only = ServiceFactory(customer=member, plan="Starter", domain="a.example.com")
    ServiceFactory(customer=member, status=ServiceStatus.CANCELLED)
    options = _options(client.get(NEW).content.decode())
    assert [(value, selected) for value, _label, selected in options] == [
        ("", False), (str(only.pk), True)]


def test_the_chosen_service_is_kept_and_shown_on_the_ticket_page(client, member, department):
    ServiceFactory(customer=member)
    chosen = ServiceFactory(customer=None, organization=member.organization, plan="Dedicated",
                            domain="db.example.com")
    response = client.post(NEW, _data(department, service=chosen.pk))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.service_id == chosen.pk
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'data-testid="ticket-service">Dedicated · db\.example\.com<', page)
    # The guest link to the same ticket names it too; a ticket about no service says nothing.
    guest = client.get(reverse("portal:guest_ticket", args=[guest_token_for(ticket)]))
    assert "db.example.com" in guest.content.decode()
    assert client.post(NEW, _data(department, service="")).status_code == 302
    plain = Ticket.objects.exclude(pk=ticket.pk).get()
    assert plain.service_id is None
    assert 'data-testid="ticket-service"' not in client.get(
        reverse("portal:ticket_detail", args=[plain.pk])).content.decode()


@pytest.mark.parametrize("whose", ["another customer's", "another organization's",
                                   "my cancelled", "unknown", "not a number", "too large",
                                   "superscript"])
def test_a_forged_service_is_refused_without_saying_whose_it_is(client, member, department,
                                                                whose):
    ServiceFactory(customer=member, domain="mine.example.com")
    forged = {
        "another customer's": lambda: ServiceFactory(customer=CustomerFactory(),
                                                     domain="secret.example.com").pk,
        "another organization's": lambda: ServiceFactory(
            customer=None, organization=OrganizationFactory(), domain="secret.example.com").pk,
        "my cancelled": lambda: ServiceFactory(customer=member, domain="secret.example.com",
                                               status=ServiceStatus.CANCELLED).pk,
        "unknown": lambda: 987654321,
        "not a number": lambda: "1 OR 1=1",
        "too large": lambda: 2**70,
        "superscript": lambda: "\u00b2",
    }[whose]()
    response = client.post(NEW, _data(department, service=forged))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-service">Choose one of your services.<' in html
    assert "secret.example.com" not in html
    assert str(forged) not in [value for value, _label, _selected in _options(html)]
    assert not Ticket.objects.exists()


def test_the_picker_and_its_error_in_turkish(client, member, department):
    client.cookies["django_language"] = "tr"
    ServiceFactory(customer=member, plan="Başlangıç", domain="ornek.com.tr")
    ServiceFactory(customer=member, kind=ServiceKind.DEDICATED, plan="",
                   domain="sunucu.ornek.com.tr", status=ServiceStatus.SUSPENDED)
    html = client.get(NEW).content.decode()
    labels = [label for _value, label, _selected in _options(html)]
    assert labels == ["Belirli bir hizmetle ilgili değil", "Başlangıç · ornek.com.tr",
                      "Dedicated sunucu · sunucu.ornek.com.tr (Askıya alındı)"]
    assert '<label class="form-label" for="id_service">Hizmet' in html
    other = ServiceFactory(customer=CustomerFactory())
    refused = client.post(NEW, _data(department, service=other.pk)).content.decode()
    assert "Hizmetlerinizden birini seçin." in refused


def test_a_chosen_service_costs_one_query_and_no_choice_none(client, member, department):
    service = ServiceFactory(customer=member)

    def service_queries(**extra: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.post(NEW, _data(department, **extra)).status_code == 302
        return sum("hosting_service" in q["sql"] for q in captured.captured_queries)

    assert service_queries() == 0  # the list is read only to be shown
    assert service_queries(service="") == 0
    assert service_queries(service=service.pk) == 1  # that one service, read once
    with CaptureQueriesContext(connection) as shown:
        client.get(NEW)
    assert sum("hosting_service" in q["sql"] for q in shown.captured_queries) == 1
    about = Ticket.objects.filter(service=service).get()
    plain = Ticket.objects.filter(service=None).first()

    def page_queries(ticket: Ticket) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("portal:ticket_detail", args=[ticket.pk]))
        return len(captured)

    assert page_queries(about) == page_queries(plain) + 1  # the service's row
