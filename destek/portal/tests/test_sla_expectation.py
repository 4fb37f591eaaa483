"""The portal tells customers when to expect an answer, in their language and time zone;
"we are waiting for your reply" while the ticket waits for them; nothing once resolved."""

from __future__ import annotations

import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats, translation

from destek.sla.tests.policies import ensure_default_policies
from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Priority, Status, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policies(db: None) -> None:
    ensure_default_policies()


@pytest.fixture
def critical(customer, department) -> Ticket:
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    return Ticket.objects.get(pk=ticket.pk)


def expected_label(ticket: Ticket, language: str, zone: str = "Europe/Istanbul") -> str:
    due = ticket.sla.due_at.astimezone(zoneinfo.ZoneInfo(zone))
    with translation.override(language):
        return formats.date_format(due, "DATETIME_FORMAT")


def page(client, ticket: Ticket) -> str:
    return client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()


def test_expectation_in_english(customer_client, customer, critical):
    html = page(customer_client, critical)
    assert f"You can expect an answer by {expected_label(critical, 'en')}." in html
    assert 'data-state="answer"' in html


def test_expectation_in_turkish(customer_client, customer, critical):
    customer_client.cookies["django_language"] = "tr"
    html = page(customer_client, critical)
    label = expected_label(critical, "tr")
    assert f"{label} tarihine kadar yanıt bekleyebilirsiniz." in html
    listing = customer_client.get(reverse("portal:ticket_list")).content.decode()
    assert label in listing


def test_expectation_follows_the_site_time_zone(customer_client, critical, settings):
    settings.TIME_ZONE = "America/New_York"
    html = page(customer_client, critical)
    assert expected_label(critical, "en", "America/New_York") in html
    assert "-05:00" in html or "-04:00" in html  # the data-answer-by instant, local offset


def test_waiting_for_the_customer_and_then_nothing_once_resolved(customer_client, agent,
                                                                 critical):
    reply(ticket=critical, author=agent, body="Which domain?")
    ticket_update(actor=agent, ticket=critical, status=Status.PENDING)
    html = page(customer_client, critical)
    assert "We are waiting for your reply." in html and "expect an answer" not in html
    listing = customer_client.get(reverse("portal:ticket_list")).content.decode()
    assert "We are waiting for your reply." in listing
    ticket_update(actor=agent, ticket=critical, status=Status.RESOLVED)
    html = page(customer_client, critical)
    assert 'data-testid="expectation"' not in html


def test_nothing_once_answered_until_the_customer_writes_again(customer_client, customer,
                                                               agent, department):
    ticket = open_ticket(customer=customer, department=department)
    reply(ticket=ticket, author=agent, body="Fixed, please check.")
    assert 'data-testid="expectation"' not in page(customer_client, ticket)
    reply(ticket=ticket, author=customer, body="Still broken", channel="portal")
    assert 'data-state="answer"' in page(customer_client, ticket)


def test_guest_page_shows_it_too(client, critical):
    url = reverse("portal:guest_ticket", args=[guest_token_for(critical)])
    html = client.get(url).content.decode()
    assert expected_label(critical, "en") in html
