"""Sign-ins, their failures (a wrong password, the lockout after too many) and sign-outs are
recorded whichever door proved the password: the web form, the admin's login (allauth's form)
and the API's token endpoint."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from destek.audit.models import Action
from destek.audit.tests.conftest import events, verified

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OBTAIN = "/api/v1/auth/token/"


def test_a_web_sign_in_is_recorded_with_who_and_where(client, customer, password):
    verified(customer)
    response = client.post(LOGIN, {"login": customer.email, "password": password},
                           HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    [event] = events(Action.SIGN_IN)
    assert event.actor == customer
    assert event.actor_label == customer.email
    assert event.ip == "198.51.100.20"
    assert event.user_agent == "Firefox/140"
    assert event.target == f"user:{customer.pk}"
    assert event.detail == {"method": "web"}


def test_a_wrong_password_is_recorded_without_the_password(client, customer):
    verified(customer)
    client.post(LOGIN, {"login": customer.email, "password": "not-my-password-123"},
                REMOTE_ADDR="203.0.113.9")
    [event] = events(Action.SIGN_IN_FAILED)
    assert event.actor is None
    assert event.actor_label == customer.email
    assert event.ip == "203.0.113.9"
    assert event.detail == {"reason": "wrong_credentials"}
    assert "not-my-password" not in str(event.__dict__)
    assert not events(Action.SIGN_IN)


def test_an_unknown_address_is_recorded_as_typed(client):
    client.post(LOGIN, {"login": "nobody@example.com", "password": "whatever-123"})
    [event] = events(Action.SIGN_IN_FAILED)
    assert event.actor_label == "nobody@example.com"


def test_the_lockout_after_too_many_failures_is_recorded(client, customer, password):
    verified(customer)
    for n in range(5):  # allauth's default: 5 failures per account in 5 minutes
        client.post(LOGIN, {"login": customer.email, "password": f"wrong-{n}-xyz"})
    client.post(LOGIN, {"login": customer.email, "password": password})
    reasons = [e.detail["reason"] for e in events(Action.SIGN_IN_FAILED)]
    assert reasons == ["wrong_credentials"] * 5 + ["too_many_attempts"]
    assert not events(Action.SIGN_IN)


def test_signing_out_is_recorded(client, customer, password):
    verified(customer)
    client.post(LOGIN, {"login": customer.email, "password": password})
    client.post(reverse("account_logout"))
    [event] = events(Action.SIGN_OUT)
    assert event.actor == customer
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_recorded_as_a_sign_in(admin_user, password):
    web = Client()
    response = web.get("/admin/login/?next=/admin/")
    assert response["Location"].startswith(LOGIN)  # the admin signs in through allauth
    response = web.post(f"{LOGIN}?next=/admin/",
                        {"login": admin_user.email, "password": password})
    assert response["Location"] == "/admin/"
    [event] = events(Action.SIGN_IN)
    assert event.actor == admin_user
    # Someone else trying the admin's address at the admin's login.
    Client().post(f"{LOGIN}?next=/admin/", {"login": admin_user.email, "password": "bad-2"})
    assert [e.actor_label for e in events(Action.SIGN_IN_FAILED)][-1] == admin_user.email


def test_a_token_for_a_password_is_a_sign_in_and_a_token_created(customer, password):
    verified(customer)
    api = APIClient()
    response = api.post(OBTAIN, {"email": customer.email, "password": password},
                        format="json", REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200
    [sign_in] = events(Action.SIGN_IN)
    assert sign_in.detail == {"method": "api_password"}
    assert sign_in.ip == "192.0.2.44"
    [created] = events(Action.TOKEN_CREATED)
    assert created.actor == customer
    assert response.json()["token"] not in str(created.__dict__)
    # The same token again: a sign-in, no new token.
    api.post(OBTAIN, {"email": customer.email, "password": password}, format="json")
    assert len(events(Action.SIGN_IN)) == 2
    assert len(events(Action.TOKEN_CREATED)) == 1


def test_the_token_endpoint_records_failures_and_its_lockout(customer, password):
    verified(customer)
    api = APIClient()
    codes = [api.post(OBTAIN, {"email": customer.email, "password": f"wrong-{n}-abc"},
                      format="json").status_code for n in range(6)]
    assert codes == [400] * 5 + [429]
    reasons = [e.detail["reason"] for e in events(Action.SIGN_IN_FAILED)]
    assert reasons == ["wrong_credentials"] * 5 + ["too_many_attempts"]
    assert {e.actor_label for e in events(Action.SIGN_IN_FAILED)} == {customer.email}


def test_a_refused_token_for_staff_who_must_use_mfa_is_recorded(agent, password, settings):
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    verified(agent)
    response = APIClient().post(OBTAIN, {"email": agent.email, "password": password},
                                format="json")
    assert response.status_code == 403
    [event] = events(Action.SIGN_IN_FAILED)
    assert event.actor == agent
    assert event.detail == {"method": "api_password", "reason": "mfa_required"}
    assert not events(Action.SIGN_IN)
    assert not events(Action.TOKEN_CREATED)


def test_an_inactive_account_with_the_right_password_is_recorded(customer, password):
    verified(customer)
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    response = APIClient().post(OBTAIN, {"email": customer.email, "password": password},
                                format="json")
    assert response.status_code == 400
    [event] = events(Action.SIGN_IN_FAILED)
    assert event.detail["reason"] == "inactive"
