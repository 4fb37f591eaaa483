"""The customer panel beside a ticket and a chat: services, tier, open tickets, history across
channels, at a fixed number of queries; and the agent setting the ticket's service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import CustomerFactory
from destek.accounts.models import Organization
from destek.core import bus
from destek.desk.customer_history import HISTORY_LIMIT
from destek.desk.tests.test_query_counts import TICKET_WITHOUT_SLA_QUERIES, count_queries
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ControlPanel, ServiceKind, ServiceStatus
from destek.hosting.services import customer_account, refresh_values
from destek.livechat.models import Conversation
from destek.livechat.services.conversations import chat_start
from destek.sla.models import TicketSla
from destek.tickets import domain_events
from destek.tickets.factories import open_ticket
from destek.tickets.models import EventKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def page(client, ticket: Ticket) -> str:
    response = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def about(ticket: Ticket, service) -> None:  # type: ignore[no-untyped-def]
    Ticket.objects.filter(pk=ticket.pk).update(service=service)


def test_the_sidebar_shows_the_services_tier_and_the_ticket_s_service_first(
        agent_client, ticket, customer):
    today = timezone.localdate()
    vps = ServiceFactory(customer=customer, kind=ServiceKind.VPS, plan="VPS 8GB",
                         domain="", server="node07.fra", datacenter="Frankfurt",
                         control_panel=ControlPanel.PLESK,
                         control_panel_url="https://node07.fra.example.net:8443/",
                         renews_on=today + timedelta(days=5), recurring_amount=Decimal("600"))
    ServiceFactory(customer=customer, domain="old.example.com", status=ServiceStatus.ACTIVE,
                   renews_on=today - timedelta(days=2))
    ServiceFactory(customer=customer, domain="later.example.com",
                   renews_on=today + timedelta(days=60))
    ServiceFactory(customer=CustomerFactory(), domain="someone-else.example.com")
    refresh_values(customer_account(customer))
    about(ticket, vps)
    html = page(agent_client, ticket)

    first = html.index('data-testid="ticket-service"')
    assert first < html.index('data-testid="service"')  # the ticket's service at the top
    assert "This ticket is about:" in html and "VPS 8GB" in html and "node07.fra" in html
    assert "someone-else.example.com" not in html
    assert 'data-tier="key"' in html and "Key account" in html  # 600 a month ≥ 500
    assert "620.00 USD a month" in html  # 600 + 2 × 10
    assert 'href="/desk/?server=node07.fra"' in html
    assert 'href="/desk/?plan=VPS+8GB"' in html
    link = html[html.index('data-testid="service-panel-link"') - 120:]
    assert 'href="https://node07.fra.example.net:8443/" target="_blank" rel="noopener' in link
    assert html.count('data-renewal="soon"') == 1  # in 5 days
    assert html.count('data-renewal="past"') == 1  # 2 days ago
    assert html.count('data-renewal=""') == 1  # in 60 days


def test_a_control_panel_link_that_is_not_http_is_not_a_link(agent_client, ticket, customer):
    ServiceFactory(customer=customer, control_panel=ControlPanel.CPANEL,
                   control_panel_url="javascript:alert(1)")
    assert "javascript:alert" not in page(agent_client, ticket)


def test_services_of_the_customer_s_organization_are_shown(agent_client, ticket, customer):
    org = Organization.objects.create(name="Anadolu Ajans")
    customer.organization = org
    customer.save()
    ServiceFactory(customer=None, organization=org, domain="agency.example.com")
    assert "agency.example.com" in page(agent_client, ticket)


def test_history_merges_tickets_and_chats_by_time(agent_client, ticket, customer, department):
    older = open_ticket(customer=customer, department=department, subject="Older ticket")
    Ticket.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(days=3),
                                              status=Status.CLOSED)
    chat = chat_start(customer=customer, name="", email="", topic="DNS question",
                      department_id=department.pk, language="en")
    Conversation.objects.filter(pk=chat.pk).update(
        created_at=timezone.now() - timedelta(days=1))
    html = page(agent_client, ticket)
    start = html.index('data-testid="customer-history"')
    history = html[start:html.index("</ol>", start)]
    assert history.index("DNS question") < history.index("Older ticket")
    assert f"/desk/chat/{chat.pk}/" in history
    assert f"/desk/tickets/{ticket.pk}/" not in history  # the ticket on screen is left out
    open_part = html[html.index('data-testid="customer-open-tickets"'):
                     html.index('data-testid="customer-history"')]
    assert "Older ticket" not in open_part  # closed


def test_outsourced_agents_see_only_their_departments_history(
        outsourced_client, customer, department, other_department):
    mine = open_ticket(customer=customer, department=other_department, subject="In scope")
    open_ticket(customer=customer, department=department, subject="Out of scope")
    chat_start(customer=customer, name="", email="", topic="Scoped chat",
               department_id=department.pk, language="en")
    html = page(outsourced_client, open_ticket(customer=customer, department=other_department))
    assert "In scope" in html and mine.reference in html
    assert "Out of scope" not in html and "Scoped chat" not in html


def grow(customer, department, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        ServiceFactory(customer=customer, server=f"web{i}.ist", plan=f"Plan {i}",
                       control_panel=ControlPanel.CPANEL,
                       control_panel_url=f"https://web{i}.example.net:2083/")
        open_ticket(customer=customer, department=department, subject=f"More {i}")
        chat_start(customer=customer, name="", email="", topic=f"Chat {i}",
                   department_id=department.pk, language="en")


def test_the_sidebar_costs_the_same_queries_for_1_or_30_services_tickets_and_chats(
        agent_client, customer, department, django_assert_num_queries):
    ticket = open_ticket(customer=customer, department=department)
    grow(customer, department, 1)
    about(ticket, customer.services.first())
    refresh_values(customer_account(customer))
    # Setting the service and a tier that moves both refresh the SLA row (they are policy
    # facts): take it away again, to count the panel alone.
    TicketSla.objects.filter(ticket_id=ticket.pk).delete()
    path = reverse("desk:ticket", args=[ticket.pk])
    small = count_queries(agent_client, path)
    grow(customer, department, 29)
    refresh_values(customer_account(customer))
    TicketSla.objects.filter(ticket_id=ticket.pk).delete()
    agent_client.get(path)
    with django_assert_num_queries(TICKET_WITHOUT_SLA_QUERIES):
        response = agent_client.get(path)
    assert small == TICKET_WITHOUT_SLA_QUERIES
    html = response.content.decode()
    assert 'data-testid="more-services"' in html  # 30 services, 5 listed after the ticket's
    assert html.count('data-testid="history-') == HISTORY_LIMIT


def test_a_chat_of_a_signed_in_customer_shows_the_panel(client, agent, customer, department,
                                                        django_assert_num_queries):
    chat = chat_start(customer=customer, name="", email="", topic="Mail bounces",
                      department_id=department.pk, language="en")
    mail = ServiceFactory(customer=customer, kind=ServiceKind.EMAIL, domain="mail.example.com")
    Conversation.objects.filter(pk=chat.pk).update(service=mail)
    open_ticket(customer=customer, department=department, subject="Earlier ticket")
    client.force_login(agent)
    side = client.get(reverse("livechat_desk:side", args=[chat.pk])).content.decode()
    url = reverse("desk:chat_customer_panel", args=[chat.pk])
    assert f'hx-get="{url}"' in side
    html = client.get(url).content.decode()
    assert "This chat is about:" in html and "mail.example.com" in html
    assert "Earlier ticket" in html and 'target="_blank"' in html
    assert "Mail bounces" not in html  # the chat on screen is not in its own history
    small = count_queries(client, url)
    grow(customer, department, 12)
    assert count_queries(client, url) == small


def test_the_chat_panel_follows_the_chat_s_access(client, outsourced, customer, department):
    chat = chat_start(customer=customer, name="", email="", topic="Hidden",
                      department_id=department.pk, language="en")
    client.force_login(outsourced)  # works in other_department only
    assert client.get(reverse("desk:chat_customer_panel", args=[chat.pk])).status_code == 404
    client.force_login(customer)
    assert client.get(reverse("desk:chat_customer_panel", args=[chat.pk])).status_code in (302,
                                                                                          404)


def test_a_visitor_s_chat_gets_no_panel(client, agent, department):
    chat = chat_start(customer=None, name="Ayşe", email="ayse@example.com", topic="Prices",
                      department_id=department.pk, language="en")
    client.force_login(agent)
    response = client.get(reverse("desk:chat_customer_panel", args=[chat.pk]))
    assert response.status_code == 200 and response.content == b""


# --- The agent sets the ticket's service -----------------------------------------------------

def test_an_agent_sets_and_clears_the_ticket_s_service(agent_client, agent, ticket, customer,
                                                       monkeypatch):
    site = ServiceFactory(customer=customer, domain="shop.example.com")
    heard: list[object] = []
    publish = bus.publish

    def capture(event: object) -> None:
        heard.append(event)
        publish(event)

    monkeypatch.setattr(bus, "publish", capture)
    url = reverse("desk:ticket_service", args=[ticket.pk])
    assert agent_client.post(url, {"service": str(site.pk)}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.service_id == site.pk
    updates = [e for e in heard if isinstance(e, domain_events.TicketUpdated)]
    assert [e.fields for e in updates] == [("service",)]
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SERVICE)
    assert event.actor == agent and "shop.example.com" in event.after
    html = page(agent_client, ticket)
    assert "Service changed" in html and 'data-testid="service-change"' in html
    form = agent_client.get(url).content.decode()  # what htmx puts in the panel
    assert f'<option value="{site.pk}" selected>' in form
    agent_client.post(url, {"service": ""})
    ticket.refresh_from_db()
    assert ticket.service_id is None


@pytest.mark.parametrize("whose", ["another customer", "garbage"])
def test_only_the_customer_s_services_can_be_chosen(agent_client, ticket, whose):
    value = (str(ServiceFactory(customer=CustomerFactory()).pk) if whose == "another customer"
             else "12abc")
    response = agent_client.post(reverse("desk:ticket_service", args=[ticket.pk]),
                                 {"service": value}, follow=True)
    assert "Choose one of the customer&#x27;s services." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.service_id is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SERVICE).exists()


def test_outsourced_agents_cannot_set_the_service_outside_their_scope(outsourced_client,
                                                                      ticket, customer):
    site = ServiceFactory(customer=customer)
    response = outsourced_client.post(reverse("desk:ticket_service", args=[ticket.pk]),
                                      {"service": str(site.pk)})
    assert response.status_code == 404
    assert outsourced_client.get(reverse("desk:ticket_service",
                                         args=[ticket.pk])).status_code == 404
    ticket.refresh_from_db()
    assert ticket.service_id is None


def test_customers_cannot_set_the_service(customer_client, ticket, customer):
    site = ServiceFactory(customer=customer)
    response = customer_client.post(reverse("desk:ticket_service", args=[ticket.pk]),
                                    {"service": str(site.pk)})
    assert response.status_code in (302, 403, 404)
    ticket.refresh_from_db()
    assert ticket.service_id is None


def test_the_panel_speaks_turkish(agent_client, ticket, customer, settings):
    site = ServiceFactory(customer=customer, renews_on=timezone.localdate() + timedelta(days=3))
    refresh_values(customer_account(customer))
    about(ticket, site)
    agent_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "tr"
    html = page(agent_client, ticket)
    assert "Bu talep şununla ilgili:" in html and "Paylaşımlı hosting" in html
    assert "Hizmetler" in html and "ayda 10,00 USD" in html
    assert "yaklaşıyor" in html and "Açık talepler" in html and "Son geçmiş" in html


def test_the_ticket_s_service_stays_first_beyond_the_services_read(agent_client, ticket,
                                                                   customer):
    """A reseller's thousands of services: the panel reads 51, the ticket's among them."""
    oldest = ServiceFactory(customer=customer, domain="oldest.example.com",
                            updated_at=timezone.now() - timedelta(days=900))
    Service = type(oldest)
    Service.objects.bulk_create([Service(customer=customer, domain=f"s{i}.example.com")
                                 for i in range(60)])
    about(ticket, oldest)
    html = page(agent_client, ticket)
    top = html[html.index('data-testid="ticket-service"'):]
    assert "oldest.example.com" in top[:600]
    form = agent_client.get(reverse("desk:ticket_service", args=[ticket.pk])).content.decode()
    assert f'<option value="{oldest.pk}" selected>' in form
    assert 'data-testid="more-services"' in html and "and many more" in html
