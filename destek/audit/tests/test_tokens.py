"""API tokens: creation, regeneration and revocation are recorded; their use is recorded at
most once per token, client address and hour (not a write per request)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from destek.audit.models import Action
from destek.audit.tests.conftest import events

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/token/me/"


def _signed_in(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_login(user)
    return api


def test_regenerating_and_revoking_are_recorded(customer):
    api = _signed_in(customer)
    response = api.post(ME, REMOTE_ADDR="192.0.2.5")
    assert response.status_code == 201
    [regenerated] = events(Action.TOKEN_REGENERATED)
    assert regenerated.actor == customer
    assert regenerated.ip == "192.0.2.5"
    assert regenerated.target == f"user:{customer.pk}"
    assert response.json()["token"] not in str(regenerated.__dict__)
    assert api.delete(ME).status_code == 204
    [revoked] = events(Action.TOKEN_REVOKED)
    assert revoked.actor == customer
    # Revoking when there is no token changes nothing and records nothing.
    assert api.delete(ME).status_code == 204
    assert len(events(Action.TOKEN_REVOKED)) == 1


def test_token_use_is_recorded_once_per_token_address_and_hour(customer):
    token = Token.objects.create(user=customer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    for _n in range(3):
        assert api.get("/api/v1/tickets/", REMOTE_ADDR="192.0.2.10").status_code == 200
    [used] = events(Action.TOKEN_USED)
    assert used.actor == customer
    assert used.ip == "192.0.2.10"
    assert used.target == f"user:{customer.pk}"
    assert token.key not in str(used.__dict__)
    # The token's key is not what the cache remembers either (checked on the local-memory
    # cache, whose keys a test can list).
    stored = getattr(cache, "_cache", None)
    if isinstance(stored, dict):
        assert stored and not [k for k in stored if token.key in str(k)]
    # From another address: recorded at once.
    api.get("/api/v1/tickets/", REMOTE_ADDR="192.0.2.11")
    assert [e.ip for e in events(Action.TOKEN_USED)] == ["192.0.2.10", "192.0.2.11"]
    # An hour later (the cache entry expired): recorded again.
    cache.clear()
    api.get("/api/v1/tickets/", REMOTE_ADDR="192.0.2.10")
    assert len(events(Action.TOKEN_USED)) == 3


def test_recording_token_use_costs_a_write_only_on_the_first_request(customer):
    token = Token.objects.create(user=customer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as first:
        api.get("/api/v1/tickets/")
    with CaptureQueriesContext(connection) as second:
        api.get("/api/v1/tickets/")
    inserts = [q["sql"] for q in first.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "audit_auditevent" in inserts[0]
    assert len(second.captured_queries) == len(first.captured_queries) - 1
