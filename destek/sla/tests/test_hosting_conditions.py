"""Policies match on the ticket's hosting context — its service's kind, plan and server, its
customer's tier and reseller — configured in the product; the context is read only when a
policy asks, and deadlines follow when it changes (the ticket's service, the customer's
tier)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import CustomerFactory, OrganizationFactory
from destek.accounts.models import Department, User
from destek.core import bus
from destek.hosting.domain_events import CustomerTiersChanged, TierChange
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import CustomerValue, Service, ServiceKind, Tier
from destek.hosting.services import customer_account, refresh_values, service_save
from destek.sla import subscribers
from destek.sla.configuration import sla_config_changed
from destek.sla.models import SlaPolicy, SlaRecompute, TicketSla
from destek.sla.policies import NO_HOSTING, Hosting, load_config
from destek.sla.services.refresh import sla_refresh
from destek.tickets.domain_events import TicketUpdated
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def set_service(ticket: Ticket, service: Service | None, actor: User | None = None) -> Ticket:
    """As an agent's "change the service" action does: save, then publish TicketUpdated."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket.service = service
    ticket.save(update_fields=["service"])
    bus.publish(TicketUpdated(ticket=ticket, actor=actor, fields=("service",)))
    return ticket


def policy_name(ticket: Ticket) -> str:
    return TicketSla.objects.get(ticket_id=ticket.pk).policy_name


def first_response(ticket: Ticket) -> timedelta:
    sla = TicketSla.objects.get(ticket_id=ticket.pk)
    assert sla.first_response_due is not None
    return sla.first_response_due - Ticket.objects.get(pk=ticket.pk).created_at


@pytest.fixture
def reseller() -> object:
    return OrganizationFactory(is_reseller=True, name="Hostco Reseller")


@pytest.fixture
def policies(reseller: object) -> None:
    """One policy per condition, before the shipped ones, on high-priority tickets."""
    common = {"priorities": [Priority.HIGH], "first_response_minutes": 15}
    SlaPolicy.objects.create(name="VPS on node 9", position=1, service_kinds=["vps"],
                             servers=["node9", "node10"], **common)
    SlaPolicy.objects.create(name="Business plans", position=2,
                             plans=["Business", "Business Pro"], **common)
    SlaPolicy.objects.create(name="Plus and key", position=3, tiers=[Tier.PLUS, Tier.KEY],
                             **common)
    by_reseller = SlaPolicy.objects.create(name="Reseller", position=4, **common)
    by_reseller.resellers.add(reseller)  # type: ignore[arg-type]
    sla_config_changed(reason="test policies")


def high(customer: User, department: Department, service: Service | None = None) -> Ticket:
    ticket = open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    return set_service(ticket, service) if service is not None else ticket


def test_each_hosting_condition_matches_and_fields_are_anded(policies, department, reseller):
    person = CustomerFactory()
    vps9 = ServiceFactory(customer=person, kind=ServiceKind.VPS, server="node9", plan="VPS S")
    vps1 = ServiceFactory(customer=person, kind=ServiceKind.VPS, server="node1", plan="VPS S")
    shared9 = ServiceFactory(customer=person, kind=ServiceKind.SHARED, server="node9")
    pro = ServiceFactory(customer=person, plan="Business Pro")
    assert policy_name(high(person, department, vps9)) == "VPS on node 9"
    # Kind and server are ANDed: a VPS elsewhere, or a shared account on node 9, is not.
    assert policy_name(high(person, department, vps1)) == "High"
    assert policy_name(high(person, department, shared9)) == "High"
    # Values within a field are ORed.
    assert policy_name(high(person, department, pro)) == "Business plans"
    assert policy_name(high(person, department)) == "High"  # no service: no service facts

    plus = CustomerFactory()
    CustomerValue.objects.create(customer=plus, tier=Tier.PLUS)
    assert policy_name(high(plus, department)) == "Plus and key"
    company = OrganizationFactory()
    CustomerValue.objects.create(organization=company, tier=Tier.KEY)
    # A person's tier is their organization's.
    assert policy_name(high(CustomerFactory(organization=company), department)) == "Plus and key"

    # The reseller's own people, and its end customers' people.
    assert policy_name(high(CustomerFactory(organization=reseller), department)) == "Reseller"
    end = OrganizationFactory(reseller=reseller)
    assert policy_name(high(CustomerFactory(organization=end), department)) == "Reseller"
    assert policy_name(high(CustomerFactory(organization=OrganizationFactory()),
                            department)) == "High"


def test_the_batch_recomputation_reads_the_same_facts(policies, department, reseller,
                                                      django_capture_on_commit_callbacks):
    person = CustomerFactory()
    CustomerValue.objects.create(customer=person, tier=Tier.KEY)
    end = CustomerFactory(organization=OrganizationFactory(reseller=reseller))
    tickets = [high(person, department, ServiceFactory(customer=person, kind=ServiceKind.VPS,
                                                       server="node10")),
               high(person, department), high(end, department),
               high(CustomerFactory(), department)]
    before = {t.pk: policy_name(t) for t in tickets}
    assert list(before.values()) == ["VPS on node 9", "Plus and key", "Reseller", "High"]
    TicketSla.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        sla_config_changed(reason="again")  # the job runs inline (eager Celery)
    assert {t.pk: policy_name(t) for t in tickets} == before


def _refresh_queries(ticket: Ticket) -> list[str]:
    ticket = Ticket.objects.get(pk=ticket.pk)
    sla_refresh(ticket=ticket)
    load_config()
    with CaptureQueriesContext(connection) as captured:
        sla_refresh(ticket=ticket, now=TicketSla.objects.get(ticket_id=ticket.pk).updated_at)
    return [q["sql"] for q in captured.captured_queries]


def test_the_hosting_context_is_read_only_when_a_policy_asks(customer, department):
    """Shipped policies: a normal ticket never reaches a hosting condition; a critical one
    reads its context in one query."""
    normal = _refresh_queries(open_ticket(customer=customer, department=department))
    critical = _refresh_queries(open_ticket(customer=customer, department=department,
                                            priority=Priority.CRITICAL))
    assert not any("hosting_" in sql for sql in normal)
    assert len(critical) == len(normal) + 1
    assert sum("hosting_" in sql for sql in critical) == 1


def _delete_policies(asking: str) -> None:
    SlaPolicy.objects.filter(pk__in=[p.pk for p in SlaPolicy.objects.all()
                                     if getattr(p, asking)]).delete()


def test_without_hosting_conditions_nothing_is_read(customer, department):
    _delete_policies("service_kinds")
    _delete_policies("tiers")
    sla_config_changed(reason="no hosting conditions")
    assert not any(p.asks_hosting for p in load_config().policies)
    critical = _refresh_queries(open_ticket(customer=customer, department=department,
                                            priority=Priority.CRITICAL))
    assert not any("hosting_" in sql for sql in critical)


def test_shipped_defaults_give_dedicated_and_key_accounts_30_minutes(customer, department):
    plain = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    assert policy_name(plain) == "Critical" and first_response(plain) == 60 * MINUTE

    server = ServiceFactory(customer=customer, kind=ServiceKind.DEDICATED)
    dedicated = set_service(open_ticket(customer=customer, department=department,
                                        priority=Priority.CRITICAL), server)
    assert policy_name(dedicated) == "Dedicated servers — critical"
    assert first_response(dedicated) == 30 * MINUTE

    key = CustomerFactory()
    CustomerValue.objects.create(customer=key, tier=Tier.KEY)
    ticket = open_ticket(customer=key, department=department, priority=Priority.CRITICAL)
    assert policy_name(ticket) == "Key accounts — critical"
    assert first_response(ticket) == 30 * MINUTE
    # The other targets are the general critical policy's.
    general = SlaPolicy.objects.get(name="Critical")
    for name in ("Dedicated servers — critical", "Key accounts — critical"):
        special = SlaPolicy.objects.get(name=name)
        assert (special.next_response_minutes, special.resolution_minutes,
                special.progress_every_minutes) == (general.next_response_minutes,
                                                    general.resolution_minutes,
                                                    general.progress_every_minutes)


TARGETS = ("first_response_minutes", "next_response_minutes", "resolution_minutes",
           "progress_every_minutes")


@pytest.mark.parametrize("priority", Priority.values)
@pytest.mark.parametrize("hosting", [
    Hosting(kind=ServiceKind.DEDICATED), Hosting(tier=Tier.KEY), Hosting(tier=Tier.PLUS),
    Hosting(kind=ServiceKind.DEDICATED, tier=Tier.KEY), Hosting(kind=ServiceKind.SHARED)],
    ids=repr)
def test_hosting_defaults_are_never_slower_than_the_general_promise(priority, hosting):
    """Value may buy faster service, never slower: for every priority, what a hosting
    customer gets from the shipped policies is at least as fast, target by target, as what
    the same ticket gets without a hosting context."""
    config = load_config()
    ticket = {"priority": priority, "channel": "portal", "department_id": 1}
    general = config.policy_for(**ticket, organization_id=None, hosting=lambda: NO_HOSTING)
    special = config.policy_for(**ticket, organization_id=None, hosting=lambda: hosting)
    assert general is not None and special is not None
    for target in TARGETS:
        promised = getattr(general, target)
        if promised is not None:
            given = getattr(special, target)
            assert given is not None and given <= promised, (special.name, target)


def test_a_service_set_or_changed_moves_the_deadline(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    assert first_response(ticket) == 60 * MINUTE
    server = ServiceFactory(customer=customer, kind=ServiceKind.DEDICATED)
    set_service(ticket, server, agent)
    assert policy_name(ticket) == "Dedicated servers — critical"
    assert first_response(ticket) == 30 * MINUTE
    set_service(ticket, ServiceFactory(customer=customer), agent)
    assert policy_name(ticket) == "Critical" and first_response(ticket) == 60 * MINUTE


def _grow_to_key_account(customer: User) -> Service:
    return service_save(service=Service(customer=customer, kind=ServiceKind.VPS,
                                        recurring_amount=Decimal("900")))


def test_a_tier_change_moves_the_open_tickets_deadlines(customer, department, monkeypatch):
    tickets = [open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
               for _ in range(3)]
    other = open_ticket(customer=CustomerFactory(), department=department,
                        priority=Priority.CRITICAL)
    heard: list[CustomerTiersChanged] = []
    publish = bus.publish

    def spy(event: object) -> None:
        if isinstance(event, CustomerTiersChanged):
            heard.append(event)
        publish(event)

    monkeypatch.setattr(bus, "publish", spy)
    service = _grow_to_key_account(customer)
    assert CustomerValue.objects.get(customer=customer).tier == Tier.KEY
    assert [policy_name(t) for t in tickets] == ["Key accounts — critical"] * 3
    assert policy_name(other) == "Critical"
    assert heard == [CustomerTiersChanged(changes=(TierChange(
        organization_id=None, customer_id=customer.pk, old=Tier.STANDARD, new=Tier.KEY),))]
    # Saved again without a change of tier: nothing published, nothing recomputed.
    service_save(service=service)
    refresh_values(customer_account(customer))
    assert len(heard) == 1
    service.recurring_amount = Decimal("5")
    service_save(service=service)
    assert len(heard) == 2
    assert [policy_name(t) for t in tickets] == ["Critical"] * 3


def test_many_open_tickets_are_recomputed_in_the_background(
        customer, department, monkeypatch, django_capture_on_commit_callbacks):
    tickets = [open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
               for _ in range(3)]
    monkeypatch.setattr(subscribers, "TIER_INLINE_TICKETS", 2)
    jobs = SlaRecompute.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _grow_to_key_account(customer)
        assert [policy_name(t) for t in tickets] == ["Critical"] * 3  # not inline
    assert SlaRecompute.objects.count() == jobs + 1  # the job ran (eager Celery)
    assert [policy_name(t) for t in tickets] == ["Key accounts — critical"] * 3


def test_a_tier_change_without_tier_conditions_reads_no_tickets(customer, department):
    _delete_policies("tiers")
    sla_config_changed(reason="no tier conditions")
    open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    with CaptureQueriesContext(connection) as captured:
        _grow_to_key_account(customer)
    assert not any("tickets_ticket" in q["sql"] for q in captured.captured_queries)
