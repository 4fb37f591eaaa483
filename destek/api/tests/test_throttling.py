"""Requests are throttled per user (and per address when anonymous) at the configured rate."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_rates(settings):  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "2/min"}}


def test_user_is_throttled_after_the_rate(tiny_rates, as_user, customer, other_customer):
    client = as_user(customer)
    codes = [client.get("/api/v1/tickets/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # Another user has their own allowance.
    assert as_user(other_customer).get("/api/v1/tickets/").status_code == 200


def test_anonymous_token_requests_are_throttled(tiny_rates, api):
    payload = {"email": "someone@example.com", "password": "guess"}
    codes = [api.post("/api/v1/auth/token/", payload, format="json").status_code
             for _ in range(3)]
    assert codes == [400, 400, 429]


def test_default_rate_does_not_get_in_the_way(as_user, customer):
    client = as_user(customer)
    assert all(client.get("/api/v1/tickets/").status_code == 200 for _ in range(10))
