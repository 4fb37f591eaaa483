"""Issue 12, hole 1: every way of proving a password counts against the web sign-in's
failed-attempt limits (per account, per client address), and the client address is the
connection's unless trusted proxies are configured."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

OBTAIN = "/api/v1/auth/token/"
WEB_LOGIN = "/accounts/login/"


def verify(user) -> None:  # type: ignore[no-untyped-def]
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def guess(api: APIClient, email: str, password: str, **extra: str) -> int:
    return api.post(OBTAIN, {"email": email, "password": password}, format="json",
                    **extra).status_code


def test_wrong_guesses_are_locked_out_and_the_right_password_waits_too(api, customer,
                                                                        password):
    verify(customer)
    codes = [guess(api, customer.email, f"wrong-{n}") for n in range(8)]
    assert codes[:5] == [400] * 5  # allauth's default: 5 failures per account in 5 minutes
    assert set(codes[5:]) == {429}
    refused = api.post(OBTAIN, {"email": customer.email, "password": password}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    assert not Token.objects.exists()


def test_a_lockout_on_the_web_form_holds_for_the_api(api, customer, password):
    verify(customer)
    web = Client()
    for n in range(5):
        web.post(WEB_LOGIN, {"login": customer.email, "password": f"wrong-{n}"})
    assert guess(api, customer.email, password) == 429
    assert not Token.objects.exists()


def test_a_forged_forwarded_for_does_not_get_a_fresh_address(api, customer, other_customer):
    """Per address: 10 failures a minute, whichever accounts they try; a client-chosen
    X-Forwarded-For must not reset the count."""
    verify(customer)
    verify(other_customer)
    codes = []
    for n in range(12):
        email = customer.email if n % 2 else other_customer.email
        if n >= 8:
            email = f"nobody{n}@example.com"
        codes.append(guess(api, email, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
    assert 429 in codes[10:]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(api, customer, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    verify(customer)
    for n in range(10):
        guess(api, f"nobody{n}@example.com", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert guess(api, "someone@example.com", "wrong",
                 HTTP_X_FORWARDED_FOR="198.51.100.7") == 429
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert guess(api, "someone@example.com", "wrong",
                 HTTP_X_FORWARDED_FOR="198.51.100.8") == 400


def test_the_admin_login_is_the_rate_limited_sign_in(customer, password):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    posted = Client().post("/admin/login/", {"username": customer.email, "password": password})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
