"""The ticket's Macros picker: listed with what each does and its reply filled in, applied by
a plain form POST (no JavaScript needed) in one step, refused to whom it is not for, in a
fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.tickets.factories import open_ticket
from destek.tickets.models import CannedResponse, EventKind, Message, Status, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


def _macro(**fields: object) -> CannedResponse:
    values: dict[str, object] = {
        "title": "Ask for the domain and pend", "body": "Hi {customer_name}, which domain?",
        "set_status": Status.PENDING, "add_tags": "needs-domain", "remove_tags": "triage"}
    return CannedResponse.objects.create(**{**values, **fields})


def test_the_ticket_lists_macros_with_their_preview(agent_client, ticket):
    _macro()
    CannedResponse.objects.create(title="Plain hello", body="Hello")
    CannedResponse.objects.create(title="Just tag it", body="", add_tags="spam")
    page = agent_client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    picker = page[page.index('data-testid="macro-picker"'):page.index("</details>")]
    assert "Ask for the domain and pend" in picker and "Just tag it" in picker
    assert "Plain hello" not in picker  # a canned response without actions
    assert "Hi Deniz Müşteri, which domain?" in picker  # the reply, filled in and editable
    assert "Sets the status to Pending customer" in picker
    assert "Adds the tags needs-domain" in picker and "Removes the tags triage" in picker
    canned_select = page[page.index('data-testid="canned-select"'):]
    canned_select = canned_select[:canned_select.index("</select>")]
    assert "Plain hello" in canned_select and "Just tag it" not in canned_select  # no text
    assert "<kbd>m</kbd>" in page  # in the cheat sheet


def test_applying_a_macro_without_javascript(agent, agent_client, ticket):
    ticket_update(actor=agent, ticket=ticket, tags=["triage", "web"])
    canned = _macro()
    response = agent_client.post(reverse("desk:macro_apply", args=[ticket.pk]),
                                 {"macro": canned.pk, "body": "Which domain, please?\r\nThanks"})
    assert response.status_code == 302
    page = agent_client.get(response["Location"]).content.decode()
    assert "Macro “Ask for the domain and pend” applied." in page
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["needs-domain", "web"]
    reply = Message.objects.filter(ticket=ticket).latest("pk")
    assert reply.body_text == "Which domain, please?\nThanks" and not reply.is_internal
    assert "Which domain, please?" in page
    assert 'data-testid="event-automation"' in page and "Rule applied" in page
    canned.refresh_from_db()
    assert canned.usage_count == 1


def test_another_agents_personal_macro_is_refused(agent_client, ticket, department):
    owner = AgentFactory()
    MembershipFactory(department=department, agent=owner)
    canned = _macro(owner=owner)
    messages_before = Message.objects.filter(ticket=ticket).count()
    response = agent_client.post(reverse("desk:macro_apply", args=[ticket.pk]),
                                 {"macro": canned.pk})
    assert response.status_code == 400
    assert "This macro is not available on this ticket." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status != Status.PENDING
    assert Message.objects.filter(ticket=ticket).count() == messages_before
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION).exists()
    # Nor is it listed for them.
    page = agent_client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Ask for the domain and pend" not in page


def test_an_outsourced_agent_cannot_reach_another_departments_ticket(outsourced_client, ticket):
    canned = _macro()
    response = outsourced_client.post(reverse("desk:macro_apply", args=[ticket.pk]),
                                      {"macro": canned.pk})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status != Status.PENDING


def test_a_failing_macro_says_why_and_changes_nothing(agent_client, ticket):
    canned = _macro(set_assignee="999999")  # nobody: the assignee left
    response = agent_client.post(reverse("desk:macro_apply", args=[ticket.pk]),
                                 {"macro": canned.pk})
    assert response.status_code == 400
    assert "no longer an active agent" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status != Status.PENDING
    assert not ticket.tags.filter(name="needs-domain").exists()


def _page_queries(client: Client, path: str) -> int:
    client.get(path)  # the options snapshot, loaded once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_macros_cost_the_ticket_page_no_query(agent_client, ticket):
    path = reverse("desk:ticket", args=[ticket.pk])
    without = _page_queries(agent_client, path)
    for i in range(12):
        _macro(title=f"Macro {i}", set_assignee="me", note="n {ticket_number}")
    assert _page_queries(agent_client, path) == without


def test_applying_runs_a_fixed_number_of_queries(agent, agent_client, customer, department):
    """Whatever the ticket's tags and conversation: reply, update, note, count."""
    canned = _macro(note="Asked for the domain.", set_assignee="me")

    def apply_queries(tags: list[str], replies: int) -> int:
        ticket = open_ticket(customer=customer, department=department)
        ticket_update(actor=agent, ticket=ticket, tags=tags)
        for i in range(replies):
            agent_client.post(reverse("desk:reply", args=[ticket.pk]), {"body": f"r{i}"})
        with CaptureQueriesContext(connection) as ctx:
            response = agent_client.post(reverse("desk:macro_apply", args=[ticket.pk]),
                                         {"macro": canned.pk})
        assert response.status_code == 302
        return len(ctx.captured_queries)

    # Both already answered once (the first response, its SLA bookkeeping, is another path);
    # the first apply warms the process's caches.
    apply_queries(["triage"], 1)
    assert apply_queries(["triage"], 1) == apply_queries(
        ["triage", *(f"t{i}" for i in range(10))], 6)
