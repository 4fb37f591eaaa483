"""Permission doors: every API route a customer or an outsourced agent could knock on.

Someone else's ticket, message or attachment is a 404 (never a 403 that would reveal it),
and nothing is changed.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from destek.tickets.factories import reply
from destek.tickets.models import Message, Priority, Ticket
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def url(ticket: Ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.pk}/{suffix}"


def _attachment_on(ticket: Ticket, author, internal: bool = False) -> int:
    result = reply(ticket=ticket, author=author, body="file", internal=internal,
                   attachments=(InboundFile(name="notes.txt", content=b"secret"),))
    return result.attachments[0].pk


class TestCustomerDoors:
    def test_other_customers_ticket_is_404_everywhere(self, as_user, customer, other_ticket):
        client = as_user(customer)
        for response in (
            client.get(url(other_ticket)),
            client.patch(url(other_ticket), {"status": "closed"}, format="json"),
            client.post(url(other_ticket, "replies/"), {"body": "hi"}, format="json"),
        ):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        assert Message.objects.filter(ticket=other_ticket).count() == 1
        other_ticket.refresh_from_db()
        assert other_ticket.status == "new"

    def test_other_customers_attachment_is_404(self, as_user, customer, other_customer,
                                               other_ticket):
        attachment_id = _attachment_on(other_ticket, other_customer)
        assert as_user(other_customer).get(
            f"/api/v1/attachments/{attachment_id}/").status_code == 200
        assert as_user(customer).get(f"/api/v1/attachments/{attachment_id}/").status_code == 404

    def test_attachment_on_internal_note_is_404_for_the_customer(self, as_user, customer,
                                                                 agent, ticket):
        attachment_id = _attachment_on(ticket, agent, internal=True)
        assert as_user(agent).get(f"/api/v1/attachments/{attachment_id}/").status_code == 200
        assert as_user(customer).get(f"/api/v1/attachments/{attachment_id}/").status_code == 404

    def test_list_excludes_other_customers(self, as_user, customer, ticket, other_ticket):
        ids = [t["id"] for t in as_user(customer).get(LIST).json()["results"]]
        assert ids == [ticket.pk]
        search = as_user(customer).get(LIST, {"q": other_ticket.reference}).json()
        assert search["results"] == []

    def test_customer_cannot_post_internal_notes_or_set_status(self, as_user, customer, ticket):
        client = as_user(customer)
        note = client.post(url(ticket, "replies/"), {"body": "x", "internal": True},
                           format="json")
        assert note.status_code == 403
        assert note.json()["error"]["field"] == "internal"
        status = client.post(url(ticket, "replies/"), {"body": "x", "status": "resolved"},
                             format="json")
        assert status.status_code == 403
        assert Message.objects.filter(ticket=ticket).count() == 1

    def test_customer_cannot_open_for_someone_else(self, as_user, customer, other_customer,
                                                   department):
        response = as_user(customer).post(LIST, {
            "subject": "x", "body": "y", "customer": other_customer.pk}, format="json")
        assert response.status_code == 403
        response = as_user(customer).post(LIST, {
            "subject": "x", "body": "y", "customer_email": "victim@example.com"}, format="json")
        assert response.status_code == 403
        assert not Ticket.objects.exists()

    def test_customer_cannot_use_a_private_department(self, as_user, customer, department,
                                                      other_department):
        other_department.is_public = False
        other_department.save()
        response = as_user(customer).post(LIST, {
            "subject": "x", "body": "y", "department": other_department.pk}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "department"


class TestOutsourcedAgentDoors:
    def test_ticket_outside_their_departments_is_404(self, as_user, outsourced, ticket):
        client = as_user(outsourced)
        assert client.get(url(ticket)).status_code == 404
        assert client.patch(url(ticket), {"priority": "low"},
                            format="json").status_code == 404
        assert client.post(url(ticket, "replies/"), {"body": "hi"},
                           format="json").status_code == 404
        ticket.refresh_from_db()
        assert ticket.priority == Priority.NORMAL

    def test_attachment_outside_their_departments_is_404(self, as_user, outsourced, customer,
                                                         ticket):
        attachment_id = _attachment_on(ticket, customer)
        assert as_user(outsourced).get(
            f"/api/v1/attachments/{attachment_id}/").status_code == 404

    def test_list_only_shows_their_departments(self, as_user, outsourced, ticket,
                                               billing_ticket):
        ids = [t["id"] for t in as_user(outsourced).get(LIST).json()["results"]]
        assert ids == [billing_ticket.pk]

    def test_sees_and_works_tickets_in_their_department(self, as_user, outsourced,
                                                        billing_ticket):
        client = as_user(outsourced)
        assert client.get(url(billing_ticket)).status_code == 200
        response = client.post(url(billing_ticket, "replies/"), {"body": "On it"},
                               format="json")
        assert response.status_code == 201

    def test_cannot_move_a_ticket_out_of_their_departments(self, as_user, outsourced,
                                                           billing_ticket, department):
        response = as_user(outsourced).patch(url(billing_ticket),
                                             {"department": department.pk}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "department"

    def test_cannot_open_tickets_in_other_departments(self, as_user, outsourced, customer,
                                                      department, other_department):
        client = as_user(outsourced)
        refused = client.post(LIST, {"subject": "x", "body": "y", "customer_email": "a@b.co",
                                     "department": department.pk}, format="json")
        assert refused.status_code == 400
        assert refused.json()["error"]["field"] == "department"
        default = client.post(LIST, {"subject": "x", "body": "y", "customer_email": "a@b.co"},
                              format="json")
        assert default.status_code == 201, default.content
        assert default.json()["department"]["id"] == other_department.pk

    def test_customers_outside_their_departments_are_hidden(self, as_user, outsourced,
                                                            customer, other_customer,
                                                            billing_ticket, other_ticket):
        client = as_user(outsourced)
        ids = [c["id"] for c in client.get("/api/v1/customers/").json()["results"]]
        assert ids == [customer.pk]
        assert client.get(f"/api/v1/customers/{other_customer.pk}/").status_code == 404


class TestUnauthenticated:
    @pytest.mark.parametrize("method,path", [
        ("get", "/api/v1/tickets/"),
        ("post", "/api/v1/tickets/"),
        ("get", "/api/v1/tickets/1/"),
        ("patch", "/api/v1/tickets/1/"),
        ("post", "/api/v1/tickets/1/replies/"),
        ("get", "/api/v1/attachments/1/"),
        ("get", "/api/v1/customers/"),
        ("get", "/api/v1/customers/1/"),
        ("get", "/api/v1/customers/me/"),
        ("get", "/api/v1/auth/token/me/"),
    ])
    def test_401(self, api, method, path):
        response = getattr(api, method)(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"

    def test_bad_token_is_401(self, api, ticket):
        api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
        response = api.get(LIST)
        assert response.status_code == 401
        assert response.json()["error"]["message"]

    def test_inactive_users_token_is_401(self, api, customer):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=customer)
        customer.is_active = False
        customer.save()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        assert api.get(LIST).status_code == 401


def test_upload_of_a_forbidden_type_is_refused(as_user, customer, department):
    upload = SimpleUploadedFile("run.exe", b"MZ...", content_type="application/octet-stream")
    response = as_user(customer).post(LIST, {"subject": "x", "body": "y",
                                             "attachments": [upload]}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "attachments"
    assert not Ticket.objects.exists()


def test_customers_cannot_probe_tags(as_user, agent, customer, ticket):
    as_user(agent).patch(url(ticket), {"tags": ["difficult"]}, format="json")
    response = as_user(customer).get(LIST, {"tag": "difficult"})
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "tag"
