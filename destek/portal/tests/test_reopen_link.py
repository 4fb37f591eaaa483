"""The one-click reopen link of the "resolved" email: a GET only asks, a POST reopens; the
token is signed, bound to its ticket and customer, and expires."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from destek.notifications.reopen_links import REOPEN_LINK_DAYS, REOPEN_LINK_SALT, reopen_token_for
from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket
from destek.tickets.models import EventKind, Status, Ticket, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(ticket, agent) -> Ticket:  # type: ignore[no-untyped-def]
    return ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)


def url(token: str) -> str:
    return reverse("portal:reopen_link", args=[token])


def status_of(ticket: Ticket) -> str:
    return Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk)


def test_get_asks_and_changes_nothing(client, resolved):
    token = reopen_token_for(resolved)
    for _ in range(2):  # a mail scanner, then the customer
        response = client.get(url(token))
        assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="reopen"' in content and resolved.reference in content
    assert 'method="post"' in content and "csrfmiddlewaretoken" in content
    assert response["Referrer-Policy"] == "same-origin"
    assert status_of(resolved) == Status.RESOLVED


def test_post_reopens_through_the_service_with_an_audit_event(resolved, customer):
    client = Client(enforce_csrf_checks=True)
    token = reopen_token_for(resolved)
    page = client.get(url(token))
    csrf = page.cookies["csrftoken"].value
    response = client.post(url(token), {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert "/portal/guest/" in response["Location"]
    assert status_of(resolved) == Status.OPEN
    event = TicketEvent.objects.filter(ticket=resolved, kind=EventKind.STATUS).latest("id")
    assert (event.actor_id, event.before, event.after) == (customer.pk, Status.RESOLVED,
                                                           Status.OPEN)
    # Following the link again: already open, nothing changes, a clear answer.
    again = client.get(url(token))
    assert again.status_code == 200 and 'data-testid="reopen"' not in again.content.decode()


def test_post_without_the_csrf_token_is_refused(resolved):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(reopen_token_for(resolved)))
    assert response.status_code == 403
    assert status_of(resolved) == Status.RESOLVED


def test_a_tampered_token_is_a_404(client, resolved):
    token = reopen_token_for(resolved)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for method in (client.get, client.post):
        response = method(url(tampered))
        assert response.status_code == 404
        assert "invalid or has expired" in response.content.decode()
    assert status_of(resolved) == Status.RESOLVED


def test_an_expired_token_is_a_404(client, resolved, monkeypatch):
    issued = time.time() - (REOPEN_LINK_DAYS + 1) * 24 * 60 * 60
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = reopen_token_for(resolved)
    monkeypatch.undo()
    assert client.post(url(token)).status_code == 404
    assert status_of(resolved) == Status.RESOLVED


def test_a_guest_link_token_is_not_a_reopen_token(client, resolved):
    assert client.get(url(guest_token_for(resolved))).status_code == 404


def test_another_customers_token_cannot_reopen_their_ticket(client, resolved, agent,
                                                             other_customer, department):
    theirs = ticket_update(actor=agent, ticket=open_ticket(customer=other_customer,
                                                           department=department),
                           status=Status.RESOLVED)
    # A validly signed token naming the other customer's ticket with my own identity.
    forged = signing.dumps({"t": theirs.pk, "c": resolved.customer_id}, salt=REOPEN_LINK_SALT,
                           compress=True)
    assert client.post(url(forged)).status_code == 404
    assert client.get(url(forged)).status_code == 404
    assert status_of(theirs) == Status.RESOLVED
