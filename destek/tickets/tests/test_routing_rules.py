"""Where a new ticket goes: an agent's choice; the customer's dedicated team (their
organization's, else their reseller's); the first routing rule that matches (service kind,
plan, server, tier, reseller, channel), for a ticket without a department or sent to one the
rule names; else the customer's choice or the default. Rules are cached by version: a
ticket costs no query more without rules, one more (the target department) with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.accounts.factories import (
    AgentFactory,
    CustomerFactory,
    DepartmentFactory,
    OrganizationFactory,
)
from destek.accounts.models import Department, User
from destek.core.errors import ApplicationError
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import CustomerValue, ServiceKind, Tier
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, Priority, RoutingRule, Ticket
from destek.tickets.routing_rules import forget_rules, routing_rules_changed
from destek.tickets.services.routing import Route, route_new_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rules() -> Iterator[None]:
    forget_rules()
    yield
    forget_rules()


@pytest.fixture
def datacenter(db: None) -> Department:
    return DepartmentFactory(name="Datacenter", is_public=False)


@pytest.fixture
def vip(db: None) -> Department:
    return DepartmentFactory(name="Key accounts team", is_public=False)


def rule(name: str, department: Department, position: int = 100, *,
         from_departments: tuple[Department, ...] = (), resellers: tuple[Any, ...] = (),
         **conditions: Any) -> RoutingRule:
    created = RoutingRule.objects.create(name=name, position=position, department=department,
                                         **conditions)
    created.from_departments.set(from_departments)
    created.resellers.set(resellers)
    routing_rules_changed()
    return created


def route(customer: User, *, department: Department | None = None, service: Any = None,
          channel: str = Channel.EMAIL, priority: int = Priority.NORMAL,
          by_agent: bool = False) -> Route:
    return route_new_ticket(customer=customer, channel=channel, priority=priority,
                            department_id=department.pk if department else None,
                            by_agent=by_agent, service=service)


def open_by_email(customer: User, department: Department | None = None) -> Ticket:
    return receive(InboundMessage(
        channel=Channel.EMAIL, sender_email=customer.email, subject="Server down",
        body_text="It does not answer.",
        department_id=department.pk if department else None)).ticket


# -- dedicated teams -------------------------------------------------------------------------

def test_an_organizations_team_gets_its_tickets_whatever_was_chosen(department,
                                                                    other_department, vip):
    company = OrganizationFactory(support_department=vip)
    person = CustomerFactory(organization=company)
    assert route(person).department == vip
    assert route(person, department=other_department).department == vip  # a customer's pick
    assert open_by_email(person, department).department == vip
    # An agent's choice is kept; without one, the team is the agent's default too.
    assert route(person, department=other_department, by_agent=True).department \
        == other_department
    assert route(person, by_agent=True).department == vip


def test_a_resellers_end_customers_go_to_the_resellers_team_unless_they_have_one(
        department, vip, datacenter):
    reseller = OrganizationFactory(is_reseller=True, support_department=vip)
    end = OrganizationFactory(reseller=reseller)
    own_team = OrganizationFactory(reseller=reseller, support_department=datacenter)
    assert route(CustomerFactory(organization=reseller)).department == vip
    assert route(CustomerFactory(organization=end)).department == vip
    assert route(CustomerFactory(organization=own_team)).department == datacenter
    plain = OrganizationFactory(reseller=OrganizationFactory(is_reseller=True))
    assert route(CustomerFactory(organization=plain)) == Route(department, Priority.NORMAL,
                                                               "default")


# -- rules, one per kind of condition ----------------------------------------------------------

def test_service_kind_plan_and_server_rules(customer, department, datacenter, vip):
    rule("Dedicated on rack 7", datacenter, 1, service_kinds=[ServiceKind.DEDICATED],
         servers=["rack7", "rack8"])
    rule("Enterprise plans", vip, 2, plans=["Enterprise", "Enterprise Plus"])
    dedicated = ServiceFactory(customer=customer, kind=ServiceKind.DEDICATED, server="rack8")
    assert route(customer, service=dedicated).department == datacenter
    elsewhere = ServiceFactory(customer=customer, kind=ServiceKind.DEDICATED, server="rack1")
    assert route(customer, service=elsewhere).department == department  # AND across fields
    enterprise = ServiceFactory(customer=customer, plan="Enterprise Plus", server="rack7")
    assert route(customer, service=enterprise).department == vip  # OR within a field
    assert route(customer).department == department  # no service, no service facts


def test_tier_rule(customer, department, vip):
    rule("Key accounts", vip, tiers=[Tier.KEY])
    assert route(customer).department == department
    CustomerValue.objects.create(customer=customer, tier=Tier.KEY)
    assert route(customer).department == vip
    company = OrganizationFactory()
    CustomerValue.objects.create(organization=company, tier=Tier.KEY)
    assert route(CustomerFactory(organization=company)).department == vip  # the account's
    assert open_by_email(customer).department == vip  # through the funnel


def test_reseller_rule(department, vip):
    reseller = OrganizationFactory(is_reseller=True)
    rule("Reseller's customers", vip, resellers=(reseller,))
    assert route(CustomerFactory(organization=reseller)).department == vip
    end = OrganizationFactory(reseller=reseller)
    assert route(CustomerFactory(organization=end)).department == vip
    assert route(CustomerFactory(organization=OrganizationFactory())).department == department
    assert route(CustomerFactory()).department == department


def test_channel_rule_and_priority_raise(customer, department, vip):
    rule("Phone is urgent", vip, channels=[Channel.PHONE], raise_priority_to=Priority.HIGH)
    assert route(customer, channel=Channel.PHONE) == Route(vip, Priority.HIGH, "rule")
    # A raise never lowers.
    assert route(customer, channel=Channel.PHONE, priority=Priority.CRITICAL).priority \
        == Priority.CRITICAL
    assert route(customer, channel=Channel.EMAIL) == Route(department, Priority.NORMAL,
                                                            "default")


# -- precedence --------------------------------------------------------------------------------

def test_first_active_rule_by_position_wins(customer, department, datacenter, vip):
    CustomerValue.objects.create(customer=customer, tier=Tier.KEY)
    later = rule("Key accounts", vip, 20, tiers=[Tier.KEY])
    first = rule("Everything by email", datacenter, 10, channels=[Channel.EMAIL])
    assert route(customer).department == datacenter
    first.is_active = False
    first.save()
    routing_rules_changed()
    assert route(customer).department == vip
    later.position = 5
    later.save()
    first.is_active = True
    first.save()
    routing_rules_changed()
    assert route(customer).department == vip


def test_a_chosen_department_is_kept_unless_the_rule_names_it(customer, department,
                                                              other_department, datacenter):
    server = ServiceFactory(customer=customer, kind=ServiceKind.DEDICATED)
    rule("Dedicated", datacenter, service_kinds=[ServiceKind.DEDICATED])
    assert route(customer, service=server).department == datacenter  # none chosen
    assert route(customer, service=server, department=other_department) == Route(
        other_department, Priority.NORMAL, "chosen")
    rule("Dedicated, sent to technical", datacenter, 1, from_departments=(department,),
         service_kinds=[ServiceKind.DEDICATED])
    assert route(customer, service=server, department=department).department == datacenter
    assert route(customer, service=server, department=other_department).department \
        == other_department


def test_a_team_comes_before_the_rules(department, vip, datacenter):
    rule("Everything", datacenter)
    person = CustomerFactory(organization=OrganizationFactory(support_department=vip))
    assert route(person).department == vip
    assert route(CustomerFactory()).department == datacenter


def test_a_customer_may_choose_only_a_public_department(customer, datacenter):
    with pytest.raises(ApplicationError):
        route(customer, department=datacenter)
    assert route(customer, department=datacenter, by_agent=True).department == datacenter


# -- cost --------------------------------------------------------------------------------------

def _queries(customer: User, **kwargs: Any) -> int:
    route(customer, **kwargs)  # the cache warms up
    with CaptureQueriesContext(connection) as captured:
        route(customer, **kwargs)
    return len(captured.captured_queries)


def test_routing_costs_one_query_without_rules_and_two_when_a_rule_moves_it(
        customer, department, datacenter):
    company_person = CustomerFactory(organization=OrganizationFactory())
    assert _queries(customer) == 1  # the default department, with the rules' version
    assert _queries(customer, department=department) == 1
    assert _queries(company_person) == 1  # with the team, in the same query
    assert _queries(customer, department=department, by_agent=True) == 1
    rule("Key accounts", datacenter, tiers=[Tier.KEY])
    rule("Phone", datacenter, channels=[Channel.PHONE])
    assert _queries(customer) == 1  # no match: the tier came with the department
    assert _queries(customer, channel=Channel.PHONE) == 2  # and the rule's department


def _count_opening(customer: User) -> int:
    open_by_email(customer)  # per-process caches warm up
    with CaptureQueriesContext(connection) as captured:
        open_by_email(customer)
    return len(captured.captured_queries)


def test_opening_costs_nothing_more_without_rules_and_one_more_with_them(
        customer, department, datacenter):
    from destek.sla.tests.policies import ensure_default_policies

    ensure_default_policies()
    without = _count_opening(customer)
    rule("Not this one", datacenter, channels=[Channel.PHONE])
    assert _count_opening(customer) == without
    rule("Email to the datacenter", datacenter, channels=[Channel.EMAIL])
    assert _count_opening(customer) <= without + 1


def test_the_admin_configures_rules_and_every_process_reloads_them(client, customer,
                                                                   department, datacenter):
    admin = AgentFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    reseller = OrganizationFactory(is_reseller=True)
    assert route(customer).department == department  # cached: no rules
    response = client.post(reverse("admin:tickets_routingrule_add"), {
        "name": "Dedicated servers", "position": 1, "is_active": "on",
        "channels": [Channel.EMAIL, Channel.PORTAL], "service_kinds": [ServiceKind.DEDICATED],
        "plans": "Bare metal\n", "servers": "", "tiers": [], "resellers": [reseller.pk],
        "department": datacenter.pk, "raise_priority_to": Priority.HIGH,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = RoutingRule.objects.get()
    assert (saved.channels, saved.service_kinds, saved.plans, saved.servers, saved.tiers) == (
        ["email", "portal"], ["dedicated"], ["Bare metal"], [], [])
    person = CustomerFactory(organization=reseller)
    server = ServiceFactory(customer=person, kind=ServiceKind.DEDICATED, plan="Bare metal")
    assert route(person, service=server) == Route(datacenter, Priority.HIGH, "rule")
    page = client.get(reverse("admin:tickets_routingrule_change", args=[saved.pk]))
    assert 'type="checkbox" name="service_kinds" value="dedicated" ' in page.content.decode()


def test_the_funnel_routes_by_the_service_the_ticket_is_about(customer, department, datacenter):
    """The door names the service; the funnel settles it before routing, so a rule on the
    service's kind sends the ticket, and someone else's service routes nothing."""
    rule("Dedicated servers", datacenter, service_kinds=[ServiceKind.DEDICATED])
    server = ServiceFactory(customer=customer, kind=ServiceKind.DEDICATED)
    strangers = ServiceFactory(kind=ServiceKind.DEDICATED)

    def opened(service_id: int) -> Ticket:
        return receive(InboundMessage(
            channel=Channel.EMAIL, sender_email=customer.email, subject="Server down",
            body_text="It does not answer.", service_id=service_id)).ticket

    mine = opened(server.pk)
    assert (mine.service_id, mine.department_id) == (server.pk, datacenter.pk)
    theirs = opened(strangers.pk)
    assert theirs.service_id is None
    assert theirs.department_id != datacenter.pk
