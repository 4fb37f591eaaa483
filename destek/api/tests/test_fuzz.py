"""Property-based fuzzing of the write endpoints: whatever the JSON, never a 5xx. Text is
drawn from ANY_TEXT, lone surrogates and NUL included (issue 12, hole 3)."""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destek.core.tests.strategies import ANY_FORM_BYTES, ANY_TEXT

pytestmark = pytest.mark.django_db

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | ANY_TEXT
    | st.sampled_from(["low", "high", "closed", "open", "a@b.co", "1", "me"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=8,
)
CREATE_FIELDS = ["subject", "body", "body_html", "department", "priority", "customer",
                 "customer_email", "customer_name", "cc", "attachments"]
UPDATE_FIELDS = ["status", "priority", "department", "assignee", "tags", "subject", "cc"]
ALLOWED = {200, 201, 400, 403, 404, 413}
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def payloads(fields: list[str]) -> st.SearchStrategy[object]:
    objects = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, JSON_VALUES))
    return objects | JSON_VALUES


@FUZZ
@given(payload=payloads(CREATE_FIELDS))
def test_create_never_fails_with_5xx(as_user, agent, customer, department, payload):
    for user in (customer, agent):
        response = as_user(user).generic("POST", "/api/v1/tickets/", json.dumps(payload),
                                         content_type="application/json")
        assert response.status_code in ALLOWED, (payload, response.content)
        assert "error" in response.json() or response.status_code in (200, 201)


@FUZZ
@given(payload=payloads(UPDATE_FIELDS))
def test_update_never_fails_with_5xx(as_user, agent, customer, ticket, payload):
    for user in (customer, agent):
        response = as_user(user).generic("PATCH", f"/api/v1/tickets/{ticket.pk}/",
                                         json.dumps(payload), content_type="application/json")
        assert response.status_code in ALLOWED, (payload, response.content)


@FUZZ
@given(payload=payloads(["body", "body_html", "internal", "status", "attachments"]),
       query=st.dictionaries(st.sampled_from(["status", "priority", "department", "assignee",
                                              "tag", "q", "sort", "cursor", "limit", "queue",
                                              "sla"]),
                             ANY_FORM_BYTES, max_size=4))
def test_reply_and_list_never_fail_with_5xx(as_user, agent, ticket, payload, query):
    client = as_user(agent)
    response = client.generic("POST", f"/api/v1/tickets/{ticket.pk}/replies/",
                              json.dumps(payload), content_type="application/json")
    assert response.status_code in ALLOWED, (payload, response.content)
    # A query string carries bytes: any of them, percent-encoded (invalid UTF-8 and NUL too).
    listing = client.get("/api/v1/tickets/?" + "&".join(
        f"{key}={quote_from_bytes(value)}" for key, value in query.items()))
    assert listing.status_code in ALLOWED, (query, listing.content)
