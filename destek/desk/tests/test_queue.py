"""The queue page: queues, filters, search, sorting, keyset pagination, bulk actions."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.urls import reverse

from destek.accounts.factories import AgentFactory, CustomerFactory
from destek.desk.tests.conftest import many_tickets
from destek.queues.selectors import PAGE_SIZE
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import EventKind, Priority, Status, Ticket, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db
QUEUE = reverse("desk:queue")
ROWS = reverse("desk:queue_rows")


def listed(response) -> list[int]:
    """Ticket ids of the rows, in page order."""
    return [int(pk) for pk in re.findall(r'data-testid="queue-row-(\d+)"', response.text)]


def test_default_queue_lists_open_tickets_newest_first(agent_client, agent, customer, department):
    first, second = many_tickets(2, customer=customer, department=department)
    done = open_ticket(customer=customer, department=department, subject="Done")
    ticket_update(actor=agent, ticket=done, status=Status.RESOLVED)
    response = agent_client.get(QUEUE)
    assert response.status_code == 200
    assert listed(response) == [second.pk, first.pk]
    assert second.reference in response.text
    assert customer.email in response.text


def test_queue_tabs(agent_client, agent, customer, department):
    mine, unassigned, resolved = many_tickets(3, customer=customer, department=department)
    ticket_update(actor=agent, ticket=mine, assignee=agent)
    ticket_update(actor=agent, ticket=resolved, status=Status.RESOLVED)
    assert listed(agent_client.get(QUEUE, {"queue": "mine"})) == [mine.pk]
    assert listed(agent_client.get(QUEUE, {"queue": "unassigned"})) == [unassigned.pk]
    assert set(listed(agent_client.get(QUEUE, {"queue": "all"}))) == {
        mine.pk, unassigned.pk, resolved.pk}


def test_per_department_queue(agent_client, customer, department, other_department):
    ours = open_ticket(customer=customer, department=department)
    theirs = open_ticket(customer=customer, department=other_department)
    response = agent_client.get(QUEUE, {"queue": "open", "department": other_department.pk})
    assert listed(response) == [theirs.pk]
    assert f'data-testid="queue-tab-department-{department.pk}"' in response.text
    assert ours.pk not in listed(response)


def test_filters(agent_client, agent, customer, department):
    low, high, tagged, assigned = many_tickets(4, customer=customer, department=department)
    ticket_update(actor=agent, ticket=low, priority=Priority.LOW, status=Status.PENDING)
    ticket_update(actor=agent, ticket=high, priority=Priority.CRITICAL)
    ticket_update(actor=agent, ticket=tagged, tags=["dns", "vip"])
    ticket_update(actor=agent, ticket=assigned, assignee=agent)

    def ids(**params):
        return set(listed(agent_client.get(QUEUE, params)))

    assert ids(status=Status.PENDING) == {low.pk}
    assert ids(priority=Priority.CRITICAL) == {high.pk}
    assert ids(tag="vip") == {tagged.pk}
    assert ids(assignee="me") == {assigned.pk}
    assert ids(assignee=str(agent.pk)) == {assigned.pk}
    assert ids(assignee="none") == {low.pk, high.pk, tagged.pk}


def test_search_by_number_subject_and_customer(agent_client, customer, department):
    selin = CustomerFactory(full_name="Selin Yılmaz", email="selin@example.net")
    by_subject = open_ticket(customer=customer, department=department, subject="DNS propagation")
    by_customer = open_ticket(customer=selin, department=department, subject="Hello")

    def ids(q):
        return listed(agent_client.get(QUEUE, {"q": q}))

    assert ids(by_subject.reference) == [by_subject.pk]
    assert ids("propagation") == [by_subject.pk]
    assert ids("Selin") == [by_customer.pk]
    assert ids("selin@example.net") == [by_customer.pk]


def test_sorting(agent_client, agent, customer, department):
    a, b, c = many_tickets(3, customer=customer, department=department)
    ticket_update(actor=agent, ticket=a, priority=Priority.HIGH)  # a is now the most recent
    assert listed(agent_client.get(QUEUE, {"sort": "updated"})) == [a.pk, c.pk, b.pk]
    assert listed(agent_client.get(QUEUE, {"sort": "oldest"})) == [b.pk, c.pk, a.pk]
    assert listed(agent_client.get(QUEUE, {"sort": "created"})) == [c.pk, b.pk, a.pk]
    assert listed(agent_client.get(QUEUE, {"sort": "priority"}))[0] == a.pk


def test_keyset_pagination_walks_every_ticket_once(agent_client, customer, department):
    tickets = many_tickets(PAGE_SIZE + 5, customer=customer, department=department)
    first = agent_client.get(QUEUE)
    assert len(listed(first)) == PAGE_SIZE
    next_link = re.search(r'href="\?([^"]+)" data-testid="queue-next"', first.text)
    assert next_link
    second = agent_client.get(f"{QUEUE}?{next_link.group(1).replace('&amp;', '&')}")
    assert len(listed(second)) == 5
    assert 'data-testid="queue-next"' not in second.text
    assert 'data-testid="queue-first"' in second.text
    assert sorted(listed(first) + listed(second)) == sorted(t.pk for t in tickets)


@pytest.mark.parametrize("params", [
    {"priority": "abc", "department": "x", "assignee": "-1", "sort": "bogus", "queue": "?"},
    {"cursor": "not-base64!!"},
    {"cursor": base64.urlsafe_b64encode(json.dumps(["x", "y"]).encode()).decode()},
    {"cursor": base64.urlsafe_b64encode(json.dumps([None, {}]).encode()).decode()},
    {"department": "99999999999999999999999", "status": "nonsense", "tag": "<b>"},
    {"q": "T-" + "9" * 40},
])
def test_junk_parameters_never_fail(agent_client, ticket, params):
    assert agent_client.get(QUEUE, params).status_code == 200
    assert agent_client.get(ROWS, params).status_code == 200


def test_rows_partial_is_only_the_table_body(agent_client, ticket):
    response = agent_client.get(ROWS, {"queue": "open"})
    assert response.status_code == 200
    assert listed(response) == [ticket.pk]
    assert "<html" not in response.text and "<tbody" not in response.text


def test_queue_page_wires_live_refresh(agent_client, ticket):
    response = agent_client.get(QUEUE, {"queue": "all"})
    assert f'hx-get="{ROWS}?queue=all"' in response.text
    assert 'hx-trigger="desk-refresh' in response.text
    assert 'data-ws-path="/ws/desk/"' in response.text


def test_bulk_update(agent_client, agent, customer, department):
    a, b, untouched = many_tickets(3, customer=customer, department=department)
    colleague = AgentFactory(full_name="Ayşe Colleague")
    response = agent_client.post(reverse("desk:bulk"), {
        "ticket": [a.pk, b.pk], "status": Status.PENDING, "priority": str(Priority.HIGH),
        "assignee": str(colleague.pk), "department": "", "next": f"{QUEUE}?queue=all",
    })
    assert response.status_code == 302
    assert response.url == f"{QUEUE}?queue=all"
    for t in (a, b):
        t.refresh_from_db()
        assert (t.status, t.priority, t.assignee_id) == (Status.PENDING, Priority.HIGH,
                                                         colleague.pk)
    untouched.refresh_from_db()
    assert untouched.status == Status.NEW
    assert TicketEvent.objects.filter(ticket=a, kind=EventKind.ASSIGNEE, actor=agent).exists()
    page = agent_client.get(response.url)
    assert "2 tickets updated." in page.text


def test_bulk_unassign_and_move(agent_client, agent, customer, department, other_department):
    t = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=t, assignee=agent)
    agent_client.post(reverse("desk:bulk"), {"ticket": [t.pk], "assignee": "none",
                                             "department": str(other_department.pk)})
    t.refresh_from_db()
    assert t.assignee_id is None and t.department_id == other_department.pk


@pytest.mark.parametrize("data, error", [
    ({"status": Status.OPEN}, "Select at least one ticket."),
    ({"ticket": ["1"]}, "Choose what to change."),
    ({"ticket": ["1"], "status": "nonsense"}, "Choose valid values for the change."),
    ({"ticket": ["999999"], "status": Status.OPEN}, "nothing was changed"),
])
def test_bulk_errors_are_shown_not_raised(agent_client, ticket, data, error):
    data = {k: [str(ticket.pk) if v == "1" else v for v in vs] if isinstance(vs, list) else vs
            for k, vs in data.items()}
    response = agent_client.post(reverse("desk:bulk"), data, follow=True)
    assert response.status_code == 200
    assert error in response.text


def test_bulk_is_all_or_nothing(outsourced_client, customer, department, other_department):
    visible = open_ticket(customer=customer, department=other_department)
    hidden = open_ticket(customer=customer, department=department)
    response = outsourced_client.post(reverse("desk:bulk"), {
        "ticket": [visible.pk, hidden.pk], "status": Status.ON_HOLD}, follow=True)
    assert response.status_code == 200
    assert "nothing was changed" in response.text
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.NEW}


def test_bulk_next_must_stay_on_site(agent_client, ticket):
    response = agent_client.post(reverse("desk:bulk"), {
        "ticket": [ticket.pk], "status": Status.OPEN, "next": "https://evil.example/"})
    assert response.url == QUEUE


def test_availability_toggle(agent_client, agent):
    assert agent.is_available
    response = agent_client.post(reverse("desk:availability"),
                                 {"available": "0", "next": QUEUE})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_available
    page = agent_client.get(QUEUE)
    assert 'data-testid="availability-toggle" data-available="0"' in page.text
    agent_client.post(reverse("desk:availability"), {"available": "1"})
    agent.refresh_from_db()
    assert agent.is_available


def test_queue_shows_reply_activity(agent_client, agent, customer, department):
    old, new = many_tickets(2, customer=customer, department=department)
    reply(ticket=old, author=agent, body="On it")
    assert listed(agent_client.get(QUEUE)) == [old.pk, new.pk]


def test_desk_speaks_turkish(agent_client, agent, ticket):
    agent.language = "tr"
    agent.save(update_fields=["language"])
    page = agent_client.get(QUEUE).text
    assert "Talepler" in page and "Atanmamış" in page and "Sonraki sayfa" not in page
    assert "{name} görüntülüyor" in page
    assert "Teknik destek" in page  # department names follow the language too
