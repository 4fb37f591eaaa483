"""Bad input gets a 4xx with a clear message in one shape, and changes nothing."""

from __future__ import annotations

import json

import pytest

from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def error_of(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]


def test_missing_subject(as_user, customer, department):
    response = as_user(customer).post(LIST, {"body": "no subject"}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["field"] == "subject"
    assert error["fields"]["subject"] == ["This field is required."]


def test_blank_subject_after_trimming(as_user, customer, department):
    response = as_user(customer).post(LIST, {"subject": "   ", "body": "x"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["field"] == "subject"


def test_empty_message(as_user, customer, department):
    response = as_user(customer).post(LIST, {"subject": "Hello"}, format="json")
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid", "message": "The message is empty.",
                                  "field": "body"}


def test_bad_priority(as_user, customer, department):
    response = as_user(customer).post(LIST, {"subject": "s", "body": "b", "priority": "urgent"},
                                      format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["field"] == "priority"
    assert "urgent" in error["message"]


@pytest.mark.parametrize("department", [999_999, 2**62, "abc", -1, None, [1], {"id": 1}])
def test_unknown_or_malformed_department(as_user, customer, department, request):
    request.getfixturevalue("department")  # a real department exists too
    response = as_user(customer).post(LIST, {"subject": "s", "body": "b",
                                             "department": department}, format="json")
    assert response.status_code == 400
    assert error_of(response)["field"] == "department"
    assert not Ticket.objects.exists()


def test_unknown_department_on_update(as_user, agent, ticket):
    response = as_user(agent).patch(f"/api/v1/tickets/{ticket.pk}/", {"department": 999_999},
                                    format="json")
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid", "message": "Choose a valid department.",
                                  "field": "department"}


def test_unknown_assignee_and_customer_assignee(as_user, agent, customer, ticket):
    client = as_user(agent)
    for assignee in (999_999, customer.pk):
        response = client.patch(f"/api/v1/tickets/{ticket.pk}/", {"assignee": assignee},
                                format="json")
        assert response.status_code == 400
        assert error_of(response)["field"] == "assignee"


def test_unknown_customer(as_user, agent, department):
    response = as_user(agent).post(LIST, {"subject": "s", "body": "b", "customer": 999_999},
                                   format="json")
    assert response.status_code == 400
    assert error_of(response)["field"] == "customer"


def test_agent_must_say_who_the_ticket_is_for(as_user, agent, department):
    response = as_user(agent).post(LIST, {"subject": "s", "body": "b"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["field"] == "customer"


def test_agent_cannot_open_a_ticket_for_an_agent(as_user, agent, department):
    response = as_user(agent).post(LIST, {"subject": "s", "body": "b",
                                          "customer_email": agent.email}, format="json")
    assert response.status_code == 400
    assert error_of(response)["field"] == "customer"


@pytest.mark.parametrize("raw", [
    b"{not json", b'{"subject": "s", "body": ', b"\xff\xfe\x00", b'{"subject": NaN}',
    b"[" * 100_000 + b"]" * 100_000,
])
def test_malformed_json(as_user, customer, department, raw):
    response = as_user(customer).generic("POST", LIST, raw, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


@pytest.mark.parametrize("payload", ["[]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object(as_user, customer, department, payload):
    response = as_user(customer).generic("POST", LIST, payload, content_type="application/json")
    assert response.status_code == 400
    error_of(response)


@pytest.mark.parametrize("payload", [
    {"subject": ["a", "list"], "body": "b"},
    {"subject": {"an": "object"}, "body": "b"},
    {"subject": "s", "body": True},
    {"subject": "s", "body": "b", "cc": "not-a-list"},
    {"subject": "s", "body": "b", "cc": ["not an email"]},
    {"subject": "x" * 251, "body": "b"},
    {"subject": "s", "body": "b", "attachments": ["not a file"]},
    {"subject": "nul\x00byte", "body": "b"},
    {"subject": "s", "body": "nul\x00byte"},
])
def test_wrong_types_and_sizes(as_user, customer, department, payload):
    response = as_user(customer).post(LIST, payload, format="json")
    assert response.status_code == 400, response.content
    assert error_of(response)["field"]


def test_nested_field_errors_name_the_path(as_user, customer, department):
    response = as_user(customer).post(LIST, {"subject": "s", "body": "b",
                                             "cc": ["ok@example.com", "bad"]}, format="json")
    assert error_of(response)["field"] == "cc.1"


def test_huge_body_is_413(as_user, customer, department, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = {"subject": "s", "body": "x" * 20_000}
    response = as_user(customer).post(LIST, payload, format="json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    multipart = as_user(customer).post(LIST, payload, format="multipart")
    assert multipart.status_code in (400, 413)
    error_of(multipart)
    assert not Ticket.objects.exists()


def test_unsupported_media_type(as_user, customer, department):
    response = as_user(customer).generic("POST", LIST, "subject=s", content_type="text/plain")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_method_not_allowed(as_user, customer, ticket):
    response = as_user(customer).delete(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize("query", [
    {"priority": "urgent"}, {"status": "nope"}, {"limit": 0}, {"limit": 1000},
    {"limit": "x"}, {"assignee": "someone"}, {"department": "x"}, {"sort": "random"},
    {"cursor": "forged"}, {"cursor": "eyJ4Ijox"}, {"queue": "everything"}, {"q": "a\x00b"},
])
def test_bad_list_parameters(as_user, agent, ticket, query):
    response = as_user(agent).get(LIST, query)
    assert response.status_code == 400, response.content
    error_of(response)


def test_cursor_of_another_sort_is_refused(as_user, agent, customer, department):
    from destek.tickets.factories import open_ticket

    for i in range(3):
        open_ticket(customer=customer, department=department, subject=f"T{i}")
    client = as_user(agent)
    next_url = client.get(LIST, {"limit": 1}).json()["next"]
    cursor = next_url.split("cursor=")[1]
    response = client.get(LIST, {"limit": 1, "sort": "created", "cursor": cursor})
    assert response.status_code == 400
    assert error_of(response)["field"] == "cursor"


def test_bad_idempotency_key(as_user, customer, department):
    response = as_user(customer).post(LIST, {"subject": "s", "body": "b"}, format="json",
                                      HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert error_of(response)["field"] == "Idempotency-Key"


def test_messages_are_translated(as_user, customer, department):
    response = as_user(customer).post(LIST, {"subject": "Merhaba"}, format="json",
                                      HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 400
    assert error_of(response)["field"] == "body"


def test_non_numeric_ids_in_the_path_are_404(as_user, customer):
    assert as_user(customer).get("/api/v1/tickets/abc/").status_code == 404
    assert as_user(customer).get(f"/api/v1/tickets/{2**70}/").status_code == 404


def test_options_and_head(as_user, customer, ticket):
    client = as_user(customer)
    assert client.options("/api/v1/tickets/").status_code == 200
    assert client.options(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    assert client.head("/api/v1/tickets/").status_code == 200


def test_an_unacceptable_accept_header_still_gets_json(as_user, customer):
    response = as_user(customer).get("/api/v1/tickets/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/api/v1/tickets/-1/", "/api/v1/customers/-5/",
                                  "/api/v1/nothing-here/", "/api/v2/tickets/"])
def test_an_unknown_api_url_answers_json(api, path):  # type: ignore[no-untyped-def]
    """Issue 12, hole 6: negative ids (no route matches them) got the site's HTML 404."""
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_outside_the_api_a_404_is_still_the_page(client):  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("odd", ["\ud800", "closed\udfff", "nul\x00"])
def test_text_no_database_can_store_is_a_400_before_any_validation(as_user, agent, ticket, odd):
    """Issue 12, hole 3: a lone surrogate in a choice field was quoted back in the validation
    error, which no UTF-8 response can carry: a 500. The parser refuses it first."""
    # json.dumps writes the surrogate as the escape "\\ud800", as JSON.stringify does.
    response = as_user(agent).generic("PATCH", f"/api/v1/tickets/{ticket.pk}/",
                                      json.dumps({"status": odd}),
                                      content_type="application/json")
    assert response.status_code == 400
    assert "cannot be stored" in error_of(response)["message"]
    assert error_of(response)["field"] == "status"
    ticket.refresh_from_db()
    assert ticket.status != odd
