"""The desk's side of incidents and tickets: the incident on the ticket page, linking and
unlinking, answering all linked tickets and resolving them with a final message, and who may
do it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import CustomerFactory
from destek.audit.models import AuditEvent
from destek.conftest import login
from destek.hosting.factories import ServiceFactory
from destek.notifications.models import OutboundEmail
from destek.status import linked_replies
from destek.status.factories import ComponentFactory
from destek.status.models import (
    Incident,
    IncidentState,
    IncidentTicket,
    LinkedReply,
    LinkedReplyState,
)
from destek.status.services import IncidentDraft, incident_create, incident_post_update
from destek.tickets.factories import open_ticket
from destek.tickets.models import Channel, Message, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident() -> Incident:
    component = ComponentFactory(servers=["web-07"])
    return incident_create(actor=None, draft=IncidentDraft(
        title="Web-07 is down", title_tr="Web-07 çalışmıyor", body="Looking.",
        components=[component]))


def affected_ticket(department, subject: str = "Site down") -> Ticket:  # type: ignore[no-untyped-def]
    person = CustomerFactory()
    ServiceFactory(customer=person, server="web-07")
    return open_ticket(customer=person, department=department, subject=subject)


def replies_with(body: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for ticket_id in Message.objects.filter(body_text=body, channel=Channel.DESK) \
            .values_list("ticket_id", flat=True):
        counts[ticket_id] = counts.get(ticket_id, 0) + 1
    return counts


def test_the_ticket_page_shows_the_incident_and_agents_link_and_unlink(
        agent_client, incident, department, customer) -> None:
    linked = affected_ticket(department)
    page = agent_client.get(reverse("desk:ticket", args=[linked.pk])).content.decode()
    assert f'data-testid="ticket-incident-{incident.pk}"' in page and "Web-07 is down" in page

    other = open_ticket(customer=customer, department=department)  # not affected
    assert not IncidentTicket.objects.filter(ticket=other).exists()
    page = agent_client.get(reverse("desk:ticket", args=[other.pk])).content.decode()
    assert 'data-testid="incident-link-form"' in page
    response = agent_client.post(reverse("status_links:link", args=[other.pk]),
                                 {"incident": incident.pk})
    assert response.status_code == 302
    link = IncidentTicket.objects.get(ticket=other)
    assert not link.automatic and link.linked_by is not None
    agent_client.post(reverse("status_links:link", args=[other.pk]), {"incident": incident.pk})
    assert IncidentTicket.objects.filter(ticket=other).count() == 1  # idempotent

    agent_client.post(reverse("status_links:unlink", args=[other.pk]), {"incident": incident.pk})
    assert not IncidentTicket.objects.filter(ticket=other).exists()

    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Fixed.")
    agent_client.post(reverse("status_links:link", args=[other.pk]), {"incident": incident.pk})
    assert not IncidentTicket.objects.filter(ticket=other).exists()  # closed: not linkable


def test_answer_all_posts_one_reply_per_open_linked_ticket_and_is_idempotent(
        agent_client, incident, department, django_capture_on_commit_callbacks,
        settings) -> None:
    settings.DESTEK_INCIDENT_REPLY_BATCH = 2  # several batches, one task each
    tickets = [affected_ticket(department, f"Down {i}") for i in range(5)]
    done = tickets[0]
    Ticket.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    page = agent_client.get(reverse("status_links:incident_tickets", args=[incident.pk]))
    assert page.content.decode().count('data-testid="incident-ticket-T-') == 5
    url = reverse("status_links:answer", args=[incident.pk])
    emails_before = OutboundEmail.objects.count()
    body = "We found the cause; the server is coming back."
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(url, {"body": body, "token": "form-1"})
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(url, {"body": body, "token": "form-1"})  # posted twice
    reply = LinkedReply.objects.get()
    assert (reply.total, reply.done, reply.state) == (4, 4, LinkedReplyState.DONE)
    assert replies_with(body) == {t.pk: 1 for t in tickets[1:]}
    assert OutboundEmail.objects.count() - emails_before >= 4  # the customers are told

    # The task run again (a worker killed and the task redelivered): nothing twice.
    LinkedReply.objects.filter(pk=reply.pk).update(state=LinkedReplyState.SENDING,
                                                   last_ticket_id=0)
    linked_replies.send_linked_reply(reply.pk)
    assert replies_with(body) == {t.pk: 1 for t in tickets[1:]}
    assert AuditEvent.objects.filter(target=f"incident:{incident.pk}").count() == 1

    progress = agent_client.get(reverse("status_links:progress", args=[reply.pk]))
    assert 'data-state="done"' in progress.content.decode()


def test_resolving_the_incident_offers_to_resolve_its_tickets_with_a_final_message(
        agent_client, incident, department, django_capture_on_commit_callbacks) -> None:
    tickets = [affected_ticket(department, f"Down {i}") for i in range(3)]
    panel_url = reverse("status_links:incident_tickets", args=[incident.pk])
    assert 'data-testid="resolve-linked-form"' not in agent_client.get(panel_url) \
        .content.decode()  # offered once the incident is over
    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Fixed.")
    page = agent_client.get(panel_url).content.decode()
    assert 'data-testid="resolve-linked-form"' in page

    body = "Web-07 is back; sorry for the trouble."
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(reverse("status_links:resolve", args=[incident.pk]),
                          {"body": body, "token": "final", "next": panel_url})
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets])
               .values_list("status", flat=True)) == {Status.RESOLVED}
    assert replies_with(body) == {t.pk: 1 for t in tickets}
    assert 'data-testid="resolve-linked-form"' not in agent_client.get(panel_url) \
        .content.decode()  # nothing open any more


def test_customers_reach_none_of_it_and_outsourced_agents_only_their_departments(
        client, customer_client, incident, department, other_department, outsourced,
        django_capture_on_commit_callbacks) -> None:
    mine = affected_ticket(other_department)  # the outsourced agent's department
    theirs = affected_ticket(department)
    for url, method in [
        (reverse("status_links:incident_tickets", args=[incident.pk]), "get"),
        (reverse("status_links:answer", args=[incident.pk]), "post"),
        (reverse("status_links:resolve", args=[incident.pk]), "post"),
        (reverse("status_links:link", args=[mine.pk]), "post"),
        (reverse("status_links:unlink", args=[mine.pk]), "post"),
    ]:
        response = getattr(customer_client, method)(url, {"body": "x", "incident": incident.pk})
        assert response.status_code == 404, url
    assert IncidentTicket.objects.filter(ticket=mine).exists()

    outsourced_client = login(Client(), outsourced)
    page = outsourced_client.get(reverse("status_links:incident_tickets", args=[incident.pk]))
    assert mine.reference in page.content.decode()
    assert theirs.reference not in page.content.decode()
    assert outsourced_client.post(reverse("status_links:unlink", args=[theirs.pk]),
                                  {"incident": incident.pk}).status_code == 404
    body = "We are on it."
    with django_capture_on_commit_callbacks(execute=True):
        outsourced_client.post(reverse("status_links:answer", args=[incident.pk]),
                               {"body": body, "token": "t"})
    assert replies_with(body) == {mine.pk: 1}


def test_an_empty_message_sends_nothing(agent_client, incident, department) -> None:
    affected_ticket(department)
    response = agent_client.post(reverse("status_links:answer", args=[incident.pk]),
                                 {"body": "  ", "token": "t"})
    assert response.status_code == 302 and not LinkedReply.objects.exists()


def test_the_partial_renders_in_any_desk_page_with_only_the_incident(
        rf, agent, customer, incident, department) -> None:
    from django.template.loader import render_to_string

    ticket = affected_ticket(department)
    request = rf.get("/desk/incidents/1/")
    request.user = agent
    html = render_to_string("status/desk/_incident_tickets.html", {"incident": incident},
                            request=request)
    assert f'data-testid="incident-ticket-{ticket.reference}"' in html
    assert 'data-testid="answer-all-form"' in html
    request.user = customer  # never for a customer, whatever page includes it
    assert "incident-ticket" not in render_to_string(
        "status/desk/_incident_tickets.html", {"incident": incident}, request=request)
