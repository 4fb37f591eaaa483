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


def test_a_forged_forwarded_for_is_the_same_anonymous_client(tiny_rates, api):
    """Without trusted proxies (DESTEK_TRUSTED_PROXY_COUNT=0) the address is the
    connection's: a new X-Forwarded-For per request does not reset the count."""
    payload = {"email": "someone@example.com", "password": "guess"}
    codes = [api.post("/api/v1/auth/token/", payload, format="json",
                      HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [400, 400, 429]


def test_default_rate_does_not_get_in_the_way(as_user, customer):
    client = as_user(customer)
    assert all(client.get("/api/v1/tickets/").status_code == 200 for _ in range(10))


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_previous_window_counts_by_its_overlap(tiny_rates, as_user, customer, monkeypatch):
    """3/min: 3 requests late in one minute still weigh on the start of the next, and fade."""
    from destek.api import throttling

    clock = _Clock(1_000_000 * 60 + 50)  # 50 s into a window
    monkeypatch.setattr(throttling.UserRateThrottle, "timer", clock)
    client = as_user(customer)
    assert [client.get("/api/v1/tickets/").status_code for _ in range(3)] == [200, 200, 200]
    clock.now += 15  # 5 s into the next window: 3 × 55/60 = 2.75 still in view
    refused = client.get("/api/v1/tickets/")
    assert refused.status_code == 429
    # 2.75 + 1 > 3 until the old weight drops to 2/3, i.e. 20 s into the window.
    assert int(refused["Retry-After"]) == 15
    clock.now += 16  # 21 s in: 3 × 39/60 = 1.95, plus this one
    assert client.get("/api/v1/tickets/").status_code == 200
    # The refused request did not use up the allowance; the accepted one did.
    assert client.get("/api/v1/tickets/").status_code == 429


def test_a_refused_request_does_not_use_up_the_allowance(tiny_rates, as_user, customer,
                                                        monkeypatch):
    from destek.api import throttling

    clock = _Clock(2_000_000 * 60 + 1)
    monkeypatch.setattr(throttling.UserRateThrottle, "timer", clock)
    client = as_user(customer)
    assert [client.get("/api/v1/tickets/").status_code for _ in range(6)] == \
        [200, 200, 200, 429, 429, 429]
    clock.now += 60  # next window, 1 s in: 3 × 59/60 = 2.95 + 1 > 3
    assert client.get("/api/v1/tickets/").status_code == 429
    clock.now += 1  # 2 s in: 3 × 58/60 = 2.9, + 1 = 3.9 > 3 … until 20 s in
    clock.now += 19
    assert client.get("/api/v1/tickets/").status_code == 200
