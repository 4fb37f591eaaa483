"""Tickets through the API: list, open, read, reply, change — the happy paths."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Channel, EventKind, Message, Priority, Status, Ticket

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def detail_url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/"


def test_urls_are_named_in_the_api_namespace():
    assert reverse("api:ticket-list") == LIST
    assert reverse("api:schema") == "/api/schema/"


def test_customer_opens_a_ticket(as_user, customer, department):
    response = as_user(customer).post(LIST, {
        "subject": "Mail is bouncing", "body": "Since this morning.",
        "department": department.pk, "priority": "high",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.channel == Channel.API
    assert ticket.customer == customer
    assert ticket.priority == Priority.HIGH
    assert body["reference"] == ticket.reference
    assert body["priority"] == "high"
    assert body["status"] == "new"
    assert body["department"] == {"id": department.pk, "name": "Technical support"}
    assert body["messages"][0]["body_text"] == "Since this morning."
    assert body["messages"][0]["author_kind"] == "customer"
    assert body["url"].endswith(f"/api/v1/tickets/{ticket.pk}/")


def test_html_body_is_sanitized(as_user, customer, department):
    response = as_user(customer).post(LIST, {
        "subject": "x", "body_html": '<p onclick="x()">Hi<script>alert(1)</script></p>',
    }, format="json")
    assert response.status_code == 201
    message = response.json()["messages"][0]
    assert message["body_html"] == "<p>Hi</p>"
    assert message["body_text"] == "Hi"


def test_agent_opens_a_ticket_for_a_customer_by_email(as_user, agent, department):
    response = as_user(agent).post(LIST, {
        "subject": "Called about DNS", "body": "Customer phoned.",
        "customer_email": "New.Person@Example.com", "customer_name": "New Person",
        "department": department.pk,
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer"]["email"] == "new.person@example.com"
    assert body["messages"][0]["author_kind"] == "agent"


def test_agent_opens_a_ticket_for_a_customer_by_id(as_user, agent, customer, department):
    response = as_user(agent).post(LIST, {
        "subject": "Renewal", "body": "Reminder.", "customer": customer.pk,
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["id"] == customer.pk


def test_create_with_attachments_multipart(as_user, customer, department):
    upload = SimpleUploadedFile("error.txt", b"Traceback...", content_type="text/plain")
    response = as_user(customer).post(LIST, {
        "subject": "Logs", "body": "See attached.", "department": department.pk,
        "attachments": [upload],
    }, format="multipart")
    assert response.status_code == 201, response.content
    attachment = response.json()["messages"][0]["attachments"][0]
    assert attachment["name"] == "error.txt"
    assert attachment["size"] == len(b"Traceback...")
    download = as_user(customer).get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Traceback..."
    assert "attachment" in download["Content-Disposition"]


def test_idempotent_create_returns_the_same_ticket(as_user, customer, department):
    client = as_user(customer)
    payload = {"subject": "Once", "body": "Only once please.", "department": department.pk}
    first = client.post(LIST, payload, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    second = client.post(LIST, payload, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Ticket.objects.count() == 1
    third = client.post(LIST, payload, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    assert third.status_code == 201
    assert Ticket.objects.count() == 2


def test_idempotency_keys_are_per_user(as_user, customer, other_customer, department):
    payload = {"subject": "Mine", "body": "Body", "department": department.pk}
    mine = as_user(customer).post(LIST, payload, format="json", HTTP_IDEMPOTENCY_KEY="k")
    theirs = as_user(other_customer).post(LIST, payload, format="json",
                                          HTTP_IDEMPOTENCY_KEY="k")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["customer"]["id"] == other_customer.pk


def test_customer_reads_own_ticket_without_internal_notes(as_user, customer, agent, ticket):
    reply(ticket=ticket, author=agent, body="Looking into it.")
    reply(ticket=ticket, author=agent, body="psst: server 12 is on fire", internal=True)
    body = as_user(customer).get(detail_url(ticket)).json()
    texts = [m["body_text"] for m in body["messages"]]
    assert texts == ["My site returns 500.", "Looking into it."]
    assert all(not m["is_internal"] for m in body["messages"])
    assert body["history"] == []
    assert "fire" not in str(body)


def test_agent_reads_ticket_with_notes_and_history(as_user, agent, ticket):
    reply(ticket=ticket, author=agent, body="internal", internal=True)
    body = as_user(agent).get(detail_url(ticket)).json()
    assert [m["is_internal"] for m in body["messages"]] == [False, True]
    assert [e["kind"] for e in body["history"]] == [EventKind.CREATED, EventKind.NOTE]


def test_customer_replies(as_user, customer, ticket):
    response = as_user(customer).post(f"{detail_url(ticket)}replies/", {"body": "Any news?"},
                                      format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"]["body_text"] == "Any news?"
    assert body["message"]["author_kind"] == "customer"
    assert body["ticket"]["message_count"] == 2


def test_agent_replies_with_status_and_internal_note(as_user, agent, ticket):
    client = as_user(agent)
    response = client.post(f"{detail_url(ticket)}replies/",
                           {"body": "Fixed, please check.", "status": "pending"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["ticket"]["status"] == "pending"
    note = client.post(f"{detail_url(ticket)}replies/", {"body": "note", "internal": True},
                       format="json")
    assert note.status_code == 201
    assert note.json()["message"]["is_internal"] is True
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_reply_with_attachment_multipart(as_user, customer, ticket):
    upload = SimpleUploadedFile("shot.png", b"\x89PNG....", content_type="image/png")
    response = as_user(customer).post(f"{detail_url(ticket)}replies/",
                                      {"body": "screenshot", "attachments": [upload]},
                                      format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["message"]["attachments"][0]["content_type"] == "image/png"


def test_idempotent_reply(as_user, customer, ticket):
    client = as_user(customer)
    url = f"{detail_url(ticket)}replies/"
    first = client.post(url, {"body": "again?"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    second = client.post(url, {"body": "again?"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["message"] == second.json()["message"]
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_agent_updates_fields(as_user, agent, ticket, other_department):
    response = as_user(agent).patch(detail_url(ticket), {
        "status": "on_hold", "priority": "critical", "department": other_department.pk,
        "assignee": agent.pk, "tags": ["DNS", "vip"], "subject": "Site down (DNS)",
        "cc": ["boss@example.com"],
    }, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "on_hold"
    assert body["priority"] == "critical"
    assert body["department"]["id"] == other_department.pk
    assert body["assignee"] == {"id": agent.pk, "name": agent.display_name}
    assert sorted(body["tags"]) == ["dns", "vip"]
    assert body["subject"] == "Site down (DNS)"
    assert body["cc"] == ["boss@example.com"]
    kinds = {e["kind"] for e in body["history"]}
    assert {"status", "priority", "department", "assignee", "tags", "subject", "cc"} <= kinds


def test_agent_unassigns(as_user, agent, ticket):
    client = as_user(agent)
    client.patch(detail_url(ticket), {"assignee": agent.pk}, format="json")
    response = client.patch(detail_url(ticket), {"assignee": None}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_customer_closes_and_reopens(as_user, customer, ticket):
    client = as_user(customer)
    closed = client.patch(detail_url(ticket), {"status": "closed"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    reopened = client.patch(detail_url(ticket), {"status": "open"}, format="json")
    assert reopened.json()["status"] == "open"


def test_customer_cannot_change_other_fields(as_user, customer, ticket):
    response = as_user(customer).patch(detail_url(ticket), {"priority": "critical"},
                                       format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "close or reopen" in response.json()["error"]["message"]
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_customer_cannot_set_other_statuses(as_user, customer, ticket):
    response = as_user(customer).patch(detail_url(ticket), {"status": "resolved"},
                                       format="json")
    assert response.status_code == 400
    response = as_user(customer).patch(detail_url(ticket), {"status": "open"}, format="json")
    assert response.status_code == 400  # a new ticket is not reopened
    assert response.json()["error"]["field"] == "status"
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_list_is_filtered_sorted_and_paginated(as_user, agent, customer, department,
                                               other_department):
    for i in range(5):
        open_ticket(customer=customer, department=department, subject=f"Web {i}")
    critical = open_ticket(customer=customer, department=other_department, subject="Billing",
                           priority=Priority.CRITICAL)
    client = as_user(agent)
    page = client.get(LIST, {"limit": 2}).json()
    assert [t["subject"] for t in page["results"]] == ["Billing", "Web 4"]
    seen = [t["id"] for t in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [t["id"] for t in page["results"]]
    assert len(seen) == len(set(seen)) == 6

    only = client.get(LIST, {"department": other_department.pk}).json()["results"]
    assert [t["id"] for t in only] == [critical.pk]
    assert [t["id"] for t in client.get(LIST, {"priority": "critical"}).json()["results"]] == [
        critical.pk]
    assert len(client.get(LIST, {"q": "Web"}).json()["results"]) == 5
    assert len(client.get(LIST, {"status": ["new", "open"]}).json()["results"]) == 6
    assert client.get(LIST, {"status": "closed"}).json()["results"] == []
    by_priority = client.get(LIST, {"sort": "priority"}).json()["results"]
    assert by_priority[0]["id"] == critical.pk


def test_list_filters_by_assignee_and_tag(as_user, agent, customer, department):
    a = open_ticket(customer=customer, department=department, subject="A")
    b = open_ticket(customer=customer, department=department, subject="B")
    client = as_user(agent)
    client.patch(detail_url(a), {"assignee": agent.pk, "tags": ["dns"]}, format="json")
    ids = lambda **q: [t["id"] for t in client.get(LIST, q).json()["results"]]  # noqa: E731
    assert ids(assignee="me") == [a.pk]
    assert ids(assignee=str(agent.pk)) == [a.pk]
    assert ids(assignee="none") == [b.pk]
    assert ids(tag="dns") == [a.pk]
    assert client.get(LIST).json()["results"][0]["tags"] == ["dns"]


def test_customer_list_shows_only_own_tickets_without_tags(as_user, agent, customer, ticket,
                                                           other_ticket):
    as_user(agent).patch(detail_url(ticket), {"tags": ["angry"]}, format="json")
    results = as_user(customer).get(LIST).json()["results"]
    assert [t["id"] for t in results] == [ticket.pk]
    assert results[0]["tags"] == []


def test_an_outsourced_agent_assigns_only_to_the_colleagues_the_desk_offers(
        as_user, customer, other_department, outsourced, agent):
    """Issue 12, hole 6: the API took any agent who works in the ticket's department,
    including an in-house agent outside the outsourced agent's departments, whom the desk's
    dropdown never offers."""
    from destek.accounts.factories import MembershipFactory
    from destek.desk.lookups import assignable_agents

    ticket = open_ticket(customer=customer, department=other_department)
    colleague = MembershipFactory(department=other_department).agent
    offered = set(assignable_agents(outsourced))
    assert colleague in offered and agent not in offered
    client = as_user(outsourced)
    refused = client.patch(detail_url(ticket), {"assignee": agent.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "assignee"
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    taken = client.patch(detail_url(ticket), {"assignee": colleague.pk}, format="json")
    assert taken.status_code == 200, taken.content


def test_a_turkish_capital_i_in_an_address_is_the_plain_i(as_user, agent, department):
    """Issue 12, hole 6: "İ".lower() is "i̇" (i + a combining dot), an address nobody owns."""
    response = as_user(agent).post(LIST, {
        "subject": "Aradı", "body": "Müşteri telefonla aradı.",
        "customer_email": "İNFO@HOSTİNG.COM.TR", "department": department.pk,
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["email"] == "info@hosting.com.tr"
    again = as_user(agent).post(LIST, {
        "subject": "Yine aradı", "body": "İkinci arama.",
        "customer_email": "info@hosting.com.tr", "department": department.pk,
    }, format="json")
    assert again.json()["customer"]["id"] == response.json()["customer"]["id"]
