"""Issue 12, hole 1: every way of proving a password is limited, including the forms a
signed-in session uses. A stolen session guessing through "change password" got 5 tries a
minute for ever (allauth's default); now a day's cap stops it."""

from __future__ import annotations

import pytest
from allauth.core.internal import ratelimit
from django.core.cache import cache

from destek.accounts.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    cache.clear()
    fake = Clock()
    monkeypatch.setattr(ratelimit.time, "time", fake.time)
    yield fake
    cache.clear()


def guesses_until_refused(client, clock, url: str, form: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    """Wrong passwords at the per-minute pace, one minute at a time, until a 429."""
    for attempt in range(1, 200):
        response = client.post(url, form)
        if response.status_code == 429:
            return attempt
        assert response.status_code == 200  # the form again, with its error
        if attempt % 5 == 0:
            clock.now += 61
    raise AssertionError("never refused")


def test_change_password_guesses_are_capped_per_day(client, clock) -> None:
    customer = CustomerFactory()
    client.force_login(customer)
    refused_at = guesses_until_refused(
        client, clock, "/accounts/password/change/",
        {"oldpassword": "a-wrong-guess", "password1": "New-pass-4242",
         "password2": "New-pass-4242"})
    assert refused_at == 21
    clock.now += 24 * 3600
    assert client.post("/accounts/password/change/",
                       {"oldpassword": "still-wrong"}).status_code == 200
