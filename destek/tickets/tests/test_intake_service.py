"""The funnel and the hosting service a ticket is about: only the customer's own (or their
organization's) service is kept, a reply never changes it, and it costs at most one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import Service, ServiceStatus
from destek.tickets.factories import reply
from destek.tickets.intake import InboundMessage, IntakeResult, receive
from destek.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def _open(customer, department, **extra) -> IntakeResult:  # type: ignore[no-untyped-def]
    return receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                  department_id=department.pk, subject="Site is down",
                                  body_text="It returns 500.", **extra))


def _stored_service_id(result: IntakeResult) -> int | None:
    return Ticket.objects.values_list("service_id", flat=True).get(pk=result.ticket.pk)


def test_the_customers_own_and_their_organizations_services_are_kept(department):
    organization = OrganizationFactory()
    customer = CustomerFactory(organization=organization)
    own = ServiceFactory(customer=customer)
    shared = ServiceFactory(customer=None, organization=organization)
    for service in (own, shared):
        by_id = _open(customer, department, service_id=service.pk)
        by_row = _open(customer, department, service=service)
        assert _stored_service_id(by_id) == _stored_service_id(by_row) == service.pk
        assert by_id.ticket.service == service


@pytest.mark.parametrize("whose", ["another customer", "another organization", "no one"])
def test_anyone_elses_service_is_ignored_without_an_error(department, whose):
    customer = CustomerFactory(organization=OrganizationFactory())
    if whose == "another customer":
        foreign = ServiceFactory(customer=CustomerFactory()).pk
    elif whose == "another organization":
        foreign = ServiceFactory(customer=None, organization=OrganizationFactory()).pk
    else:
        foreign = 10**9
    result = _open(customer, department, service_id=foreign)
    assert result.created_ticket and _stored_service_id(result) is None
    if whose != "no one":
        row = Service.objects.get(pk=foreign)
        assert _stored_service_id(_open(customer, department, service=row)) is None


def test_an_organizations_service_is_not_a_customer_without_one(department, customer):
    """A customer with no organization does not match services whose organization is null
    through `organization_id == None`."""
    orphan = ServiceFactory(customer=CustomerFactory(), organization=None)
    assert _stored_service_id(_open(customer, department, service=orphan)) is None


def test_an_agent_opening_for_a_customer_names_the_customers_service(agent, department,
                                                                      customer):
    service = ServiceFactory(customer=customer)
    theirs = receive(InboundMessage(channel=Channel.API, author=agent, customer=customer,
                                    department_id=department.pk, subject="Disk full",
                                    body_text="Please look.", service_id=service.pk))
    assert _stored_service_id(theirs) == service.pk
    # The agent's own pick of someone else's service is ignored too.
    other = ServiceFactory(customer=CustomerFactory())
    ignored = receive(InboundMessage(channel=Channel.API, author=agent, customer=customer,
                                     department_id=department.pk, subject="Disk full",
                                     body_text="Please look.", service_id=other.pk))
    assert _stored_service_id(ignored) is None


def test_a_reply_never_changes_the_service(customer, agent, department):
    first, second = ServiceFactory(customer=customer), ServiceFactory(customer=customer)
    result = _open(customer, department, service_id=first.pk)
    reply(ticket=result.ticket, author=customer, service_id=second.pk)
    reply(ticket=result.ticket, author=agent, service=second,
          service_hint=f"about {second.domain}")
    assert _stored_service_id(result) == first.pk


def test_the_hint_matches_a_named_domain_else_the_only_live_service(customer, department):
    ServiceFactory(customer=customer, domain="old-shop.com", status=ServiceStatus.CANCELLED)
    only = ServiceFactory(customer=customer, domain="shop.com.tr")
    assert _open(customer, department, service_hint="Nothing named").ticket.service == only
    named = _open(customer, department, service_hint="Is WWW.Old-Shop.com down?")
    assert named.ticket.service is not None and named.ticket.service.domain == "old-shop.com"
    ServiceFactory(customer=customer, domain="blog.org")
    assert _stored_service_id(_open(customer, department, service_hint="Hello")) is None
    # An id given wins over the hint.
    chosen = _open(customer, department, service_id=only.pk, service_hint="old-shop.com")
    assert _stored_service_id(chosen) == only.pk


def _queries(customer, department, **extra) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        _open(customer, department, **extra)
    return len(captured.captured_queries)


def test_a_named_service_costs_at_most_one_query(customer, department):
    service = ServiceFactory(customer=customer)
    _open(customer, department)  # per-process caches (SLA policies) warm up
    without = _queries(customer, department)
    assert _queries(customer, department, service=service) == without
    assert _queries(customer, department, service_id=service.pk) == without + 1
    assert _queries(customer, department, service_hint="a.com") == without + 1
    foreign = ServiceFactory(customer=CustomerFactory())
    assert _queries(customer, department, service=foreign) == without
