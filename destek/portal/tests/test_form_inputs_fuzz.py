"""Issue 12, hole 3: every form a browser posts answers 4xx or a page, never a 5xx, whatever
bytes its fields carry: NUL (which PostgreSQL refuses in text), invalid UTF-8 (which Django
decodes with replacement characters) and any Unicode. The chat and the API have their own
property tests (livechat/tests/test_public_inputs_fuzz.py, api/tests/test_fuzz.py)."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destek.core.tests.strategies import ANY_FORM_BYTES
from destek.kb.factories import make_article
from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def form(fields: dict[str, bytes]) -> str:
    """An application/x-www-form-urlencoded body, byte for byte as a client may send it."""
    return "&".join(f"{quote_from_bytes(name.encode())}={quote_from_bytes(value)}"
                    for name, value in fields.items())


def post(client: Client, url: str, valid: dict[str, str], fuzzed: dict[str, bytes]) -> int:
    # A valid post with some fields replaced: random bytes alone stop at the first check.
    fields = {name: value.encode() for name, value in valid.items()} | fuzzed
    response = client.post(url, form(fields),
                           content_type="application/x-www-form-urlencoded")
    return response.status_code


def fuzzed_fields(names: list[str]) -> st.SearchStrategy[dict[str, bytes]]:
    return st.dictionaries(st.sampled_from(names), ANY_FORM_BYTES, min_size=1, max_size=3)


@FUZZ
@given(fuzzed=fuzzed_fields(["subject", "body", "department", "priority", "submission_id"]))
def test_new_ticket_form(customer, department, fuzzed):
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    valid = {"subject": "DNS", "body": "My domain does not resolve.",
             "department": str(department.pk), "priority": "2"}
    assert post(client, "/portal/tickets/new/", valid, fuzzed) < 500, fuzzed


@FUZZ
@given(fuzzed=fuzzed_fields(["body", "submission_id"]))
def test_reply_forms_signed_in_and_by_guest_link(customer, department, fuzzed):
    ticket = open_ticket(customer=customer, department=department, subject="Mail",
                         body="No mail since noon.")
    client = Client(raise_request_exception=False)
    assert post(client, f"/portal/guest/{guest_token_for(ticket)}/reply/",
                {"body": "Still broken."}, fuzzed) < 500, fuzzed
    client.force_login(customer)
    assert post(client, f"/portal/tickets/{ticket.pk}/reply/",
                {"body": "Still broken."}, fuzzed) < 500, fuzzed


@FUZZ
@given(fuzzed=fuzzed_fields(["login", "password", "email", "password1", "password2"]),
       url=st.sampled_from(["/accounts/login/", "/accounts/signup/",
                            "/accounts/password/reset/"]))
def test_account_forms(fuzzed, url):
    valid = {"login": "someone@example.com", "password": "not-the-password",
             "email": "someone@example.com", "password1": "Long-enough-42",
             "password2": "Long-enough-42"}
    assert post(Client(raise_request_exception=False), url, valid, fuzzed) < 500, fuzzed


@FUZZ
@given(query=fuzzed_fields(["q", "subject", "body", "page", "cursor"]),
       fuzzed=fuzzed_fields(["article", "subject"]))
def test_knowledge_base_search_suggest_and_deflect(department, query, fuzzed):
    article = make_article(title="Pointing a domain", body="Set the A record.")
    client = Client(raise_request_exception=False)
    for url in ("/kb/search/", "/kb/suggest/"):
        response = client.get(f"{url}?{form(query)}")
        assert response.status_code < 500, (url, query)
    assert post(client, "/kb/deflect/", {"article": str(article.pk), "subject": "DNS"},
                fuzzed) < 500, fuzzed
