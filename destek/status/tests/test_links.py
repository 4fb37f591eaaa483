"""Incidents and tickets: who sees a banner, which new tickets are linked automatically, and
what that costs on the new-ticket path."""

from __future__ import annotations

import pytest

from destek.accounts.factories import (
    AgentFactory,
    CustomerFactory,
    MembershipFactory,
    OrganizationFactory,
)
from destek.hosting.factories import ServiceFactory
from destek.status import links
from destek.status.audience import components_of_customer
from destek.status.factories import ComponentFactory
from destek.status.models import (
    ComponentMember,
    Incident,
    IncidentKind,
    IncidentState,
    IncidentTicket,
)
from destek.status.services import IncidentDraft, incident_create, incident_post_update
from destek.tickets.factories import open_ticket
from destek.tickets.models import EventKind

pytestmark = pytest.mark.django_db


def declare(component, *, publish: bool = True, kind: str = IncidentKind.INCIDENT,  # type: ignore[no-untyped-def]
            title: str = "Web-07 is down", title_tr: str = "Web-07 çalışmıyor") -> Incident:
    return incident_create(actor=None, publish=publish, draft=IncidentDraft(
        title=title, title_tr=title_tr, body="We are looking into it.",
        body_tr="İnceliyoruz.", components=[component], kind=kind))


@pytest.fixture
def web07():  # type: ignore[no-untyped-def]
    return ComponentFactory(servers=["web-07"], plans=["Gold"])


@pytest.fixture
def affected(web07):  # type: ignore[no-untyped-def]
    person = CustomerFactory(language="tr")
    ServiceFactory(customer=person, server="web-07", plan="Other")
    return person


@pytest.fixture
def unaffected():  # type: ignore[no-untyped-def]
    person = CustomerFactory()
    ServiceFactory(customer=person, server="web-08", plan="Other")
    return person


def test_the_banner_is_for_the_customers_an_open_incident_concerns(
        web07, affected, unaffected) -> None:
    incident = declare(web07)
    org = OrganizationFactory()
    colleague = CustomerFactory(organization=org)
    ServiceFactory(customer=None, organization=org, plan="Gold", server="x")
    named = CustomerFactory()
    ComponentMember.objects.create(component=web07, customer=named)

    for person in (affected, colleague, named):
        assert [i.pk for i in links.active_incidents_for(person)] == [incident.pk]
        assert web07.pk in components_of_customer(person)  # as the fan-out sees them
    assert links.active_incidents_for(unaffected) == []
    assert links.active_incidents_for(AgentFactory()) == []
    assert links.active_incidents_for(None) == []

    [banner] = links.banners_for(affected, language="tr")
    assert banner.title == "Web-07 çalışmıyor" and banner.latest == "İnceliyoruz."
    assert banner.url.endswith(f"/status/incidents/{incident.pk}/")
    [banner] = links.banners_for(affected, language="en")
    assert banner.title == "Web-07 is down" and banner.latest == "We are looking into it."

    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Fixed.")
    assert links.active_incidents_for(affected) == []


def test_a_draft_or_a_maintenance_not_yet_started_shows_nothing_and_links_nothing(
        web07, affected, department) -> None:
    declare(web07, publish=False)
    maintenance = declare(web07, kind=IncidentKind.MAINTENANCE)
    assert links.active_incidents_for(affected) == []
    ticket = open_ticket(customer=affected, department=department)
    assert not IncidentTicket.objects.filter(ticket=ticket).exists()

    incident_post_update(actor=None, incident=maintenance, state=IncidentState.IN_PROGRESS,
                         body="Started.")
    assert [i.pk for i in links.active_incidents_for(affected)] == [maintenance.pk]


def test_new_tickets_of_affected_customers_are_linked_while_the_incident_is_open(
        web07, affected, unaffected, department) -> None:
    incident = declare(web07)
    ticket = open_ticket(customer=affected, department=department)
    other = open_ticket(customer=unaffected, department=department)
    link = IncidentTicket.objects.get(ticket=ticket)
    assert link.incident_id == incident.pk and link.automatic
    assert not IncidentTicket.objects.filter(ticket=other).exists()
    history = ticket.events.filter(kind=EventKind.LINKED).get()
    assert history.before == incident.title and str(incident.pk) in history.after

    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Fixed.")
    later = open_ticket(customer=affected, department=department)
    assert not IncidentTicket.objects.filter(ticket=later).exists()


def test_linking_is_idempotent_and_unlinking_says_so(web07, affected, department) -> None:
    incident = declare(web07)
    ticket = open_ticket(customer=affected, department=department)
    agent = AgentFactory()
    _link, created = links.incident_link_ticket(incident=incident, ticket=ticket, actor=agent,
                                                automatic=False)
    assert not created and IncidentTicket.objects.filter(ticket=ticket).count() == 1
    assert links.incident_unlink_ticket(incident=incident, ticket=ticket, actor=agent)
    assert not links.incident_unlink_ticket(incident=incident, ticket=ticket, actor=agent)
    assert ticket.events.filter(kind=EventKind.UNLINKED).count() == 1
    _link, created = links.incident_link_ticket(incident=incident, ticket=ticket, actor=agent,
                                                automatic=False)
    assert created


def test_a_chat_turned_into_a_ticket_is_linked_too(web07, affected, department) -> None:
    from destek.livechat.services.conversations import chat_start
    from destek.livechat.services.tickets import chat_convert_to_ticket

    incident = declare(web07)
    agent = MembershipFactory(department=department).agent
    chat = chat_start(customer=affected, name="", email="", topic="Site down",
                      department_id=department.pk, language="tr")
    ticket = chat_convert_to_ticket(actor=agent, conversation_id=chat.pk)
    assert IncidentTicket.objects.filter(incident=incident, ticket=ticket, automatic=True) \
        .exists()


def test_the_hot_path_costs_nothing_when_nothing_is_open_and_two_queries_otherwise(
        web07, affected, unaffected, django_assert_num_queries) -> None:
    # Nothing open (the steady state: cached): a cache read, no query.
    with django_assert_num_queries(0):
        assert links.affected_incident_ids(unaffected) == []
    declare(web07)
    links.affected_incident_ids(unaffected)  # the first read after the change fills the cache
    # Open incidents: their services on the affected servers/plans, and the named members.
    with django_assert_num_queries(2):
        assert links.affected_incident_ids(unaffected) == []
    with django_assert_num_queries(2):
        assert links.affected_incident_ids(affected) != []
    # Refilling the cache after a change: the incidents with their components, and those
    # components' servers and plans.
    links.forget_active()
    with django_assert_num_queries(4):
        assert links.affected_incident_ids(unaffected) == []
