"""Per-user API tokens: obtained with email and password, shown, regenerated, revoked."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

OBTAIN = "/api/v1/auth/token/"
MINE = "/api/v1/auth/token/me/"


def verify(user) -> None:  # type: ignore[no-untyped-def]
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def test_obtain_a_token_and_use_it(api, customer, password, ticket):
    verify(customer)
    response = api.post(OBTAIN, {"email": customer.email.upper(), "password": password},
                        format="json")
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(user=customer).key == key
    form = urlencode({"email": customer.email, "password": password})
    again = api.post(OBTAIN, form, content_type="application/x-www-form-urlencoded")
    assert again.json()["token"] == key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listing = client.get("/api/v1/tickets/")
    assert listing.status_code == 200
    assert [t["id"] for t in listing.json()["results"]] == [ticket.pk]


def test_wrong_password(api, customer):
    verify(customer)
    response = api.post(OBTAIN, {"email": customer.email, "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert not Token.objects.exists()


def test_unknown_email_and_inactive_user(api, customer, password):
    verify(customer)
    assert api.post(OBTAIN, {"email": "nobody@example.com", "password": password},
                    format="json").status_code == 400
    customer.is_active = False
    customer.save()
    assert api.post(OBTAIN, {"email": customer.email, "password": password},
                    format="json").status_code == 400


def test_unverified_address_gets_no_token(api, customer, password, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = api.post(OBTAIN, {"email": customer.email, "password": password}, format="json")
    assert response.status_code == 403
    assert "Verify" in response.json()["error"]["message"]


def test_two_factor_accounts_get_no_token_from_a_password(api, agent, password):
    from allauth.mfa.models import Authenticator

    verify(agent)
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "x"})
    response = api.post(OBTAIN, {"email": agent.email, "password": password}, format="json")
    assert response.status_code == 403
    assert not Token.objects.exists()


def test_staff_without_required_two_factor_get_no_token(api, agent, password, settings):
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    verify(agent)
    response = api.post(OBTAIN, {"email": agent.email, "password": password}, format="json")
    assert response.status_code == 403


def test_a_bad_authorization_header_does_not_block_login(api, customer, password):
    verify(customer)
    api.credentials(HTTP_AUTHORIZATION="Token stale")
    response = api.post(OBTAIN, {"email": customer.email, "password": password}, format="json")
    assert response.status_code == 200


def test_signed_in_user_sees_regenerates_and_revokes_their_token(client, customer):
    client.force_login(customer)
    assert client.get(MINE).status_code == 404
    created = client.post(MINE)
    assert created.status_code == 201
    first = created.json()["token"]
    assert client.get(MINE).json()["token"] == first
    second = client.post(MINE).json()["token"]
    assert second != first
    assert list(Token.objects.values_list("key", flat=True)) == [second]

    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert old.get("/api/v1/tickets/").status_code == 401

    assert client.delete(MINE).status_code == 204
    assert not Token.objects.exists()


def test_session_writes_need_csrf(customer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post(MINE)
    assert response.status_code == 403
    assert not Token.objects.exists()


def test_token_authentication_answers_as_drf_does(customer, ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from destek.api.authentication import TokenAuthentication

    token = Token.objects.create(user=customer)
    with CaptureQueriesContext(connection) as queries:
        user, auth = TokenAuthentication().authenticate_credentials(token.key)
    assert len(queries) == 1  # the token and its user in one statement
    assert (user.pk, user.email, user.is_customer) == (customer.pk, customer.email, True)
    assert (auth.key, auth.user_id, auth.created) == (token.key, customer.pk, token.created)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [t["id"] for t in client.get("/api/v1/tickets/").json()["results"]] == [ticket.pk]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key[:-1]}x")
    refused = client.get("/api/v1/tickets/")
    assert (refused.status_code, refused.json()["error"]["message"]) == (401, "Invalid token.")

    customer.is_active = False
    customer.save(update_fields=["is_active"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    inactive = client.get("/api/v1/tickets/")
    assert (inactive.status_code,
            inactive.json()["error"]["message"]) == (401, "User inactive or deleted.")
