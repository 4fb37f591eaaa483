"""Two-factor changes and password changes, through allauth's own views, are recorded (by the
account adapter, which allauth's MFA adapter calls for its security notices: no signal)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from destek.audit.models import Action
from destek.audit.tests.conftest import events, verified

pytestmark = pytest.mark.django_db


def _sign_in(client, user, password) -> None:  # type: ignore[no-untyped-def]
    verified(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    # Changing a second factor asks for the password again (allauth's reauthentication).
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_totp_on_recovery_codes_and_totp_off_are_recorded(
        client, agent, password, django_capture_on_commit_callbacks):
    _sign_in(client, agent, password)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)},
                               REMOTE_ADDR="198.51.100.77")
    assert response.status_code == 302, response.content
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    [activated] = events(Action.MFA_CHANGED)
    assert activated.actor == agent
    assert activated.ip == "198.51.100.77"
    assert activated.detail == {"change": "totp_activated"}
    assert secret not in str(activated.__dict__)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_deactivate_totp"))
    assert [e.detail["change"] for e in events(Action.MFA_CHANGED)] == [
        "totp_activated", "recovery_codes_generated", "totp_deactivated"]
    assert not Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()


def test_a_password_change_is_recorded(client, customer, password):
    _sign_in(client, customer, password)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": password, "password1": "a-new-long-passphrase-99",
        "password2": "a-new-long-passphrase-99"})
    assert response.status_code == 302
    [event] = events(Action.PASSWORD_CHANGED)
    assert event.actor == customer
    assert event.detail == {"change": "password_changed"}


def test_a_wrong_second_factor_code_at_sign_in_is_recorded(client, agent, password):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(agent, secret)
    verified(agent)
    response = client.post(reverse("account_login"), {"login": agent.email,
                                                      "password": password})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not events(Action.SIGN_IN)  # not signed in until the second factor
    client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR="203.0.113.50")
    [failed] = events(Action.SIGN_IN_FAILED)
    assert failed.actor == agent
    assert failed.ip == "203.0.113.50"
    assert failed.detail == {"method": "mfa", "reason": "wrong_mfa_code"}
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302
    [signed_in] = events(Action.SIGN_IN)
    assert signed_in.actor == agent
