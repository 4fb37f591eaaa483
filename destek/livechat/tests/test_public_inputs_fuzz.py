"""Issue 12, hole 3: every public chat input answers 4xx on bad text, never a 5xx: the start
form and the offline message, with any Unicode a JSON client can send (lone surrogates and
NUL included, which hypothesis' text strategy leaves out)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destek.core.tests.strategies import ANY_TEXT
from destek.livechat.tests.test_views import SHOP

pytestmark = pytest.mark.django_db

FIELDS = ("name", "email", "topic", "page_url", "body", "client_id", "language")


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.sampled_from(["/chat/api/start", "/chat/api/offline"]),
       fuzzed=st.dictionaries(st.sampled_from(FIELDS), ANY_TEXT, min_size=1, max_size=3))
def test_public_chat_inputs_never_answer_5xx(department, url: str,  # type: ignore[no-untyped-def]
                                             fuzzed: dict[str, str]) -> None:
    # A valid request with some fields replaced: random text alone rarely gets past the
    # email check to where the text is stored and shown.
    data = {"name": "Ali", "email": "ali@example.com", "topic": "DNS", "body": "Hello?",
            "client_id": "w-1", "page_url": "https://shop.example/", "language": "tr",
            "department": department.pk, **fuzzed}
    response = Client(raise_request_exception=False).post(
        url, json.dumps(data), content_type="application/json", headers={"Origin": SHOP})
    assert response.status_code < 500, (url, fuzzed, response.content[:200])
