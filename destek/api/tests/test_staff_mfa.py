"""Issue 12, hole 4: with two-factor authentication required for staff, the API refuses a
staff member who has not enrolled, through a session and through a token issued before the
requirement; customers are not concerned."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def test_a_staff_session_without_a_second_factor_is_refused(agent, customer, settings):
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    session = Client()
    session.force_login(agent)
    refused = session.get(LIST)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    kb = session.get("/api/v1/kb/articles/")
    assert kb.status_code == 403  # every API class shares the base check
    customers = Client()
    customers.force_login(customer)
    assert customers.get(LIST).status_code == 200


def test_a_token_from_before_the_requirement_stops_working_until_enrolment(agent, settings):
    key = Token.objects.create(user=agent).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(LIST).status_code == 200
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    assert client.get(LIST).status_code == 403
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get(LIST).status_code == 200
