"""Sign-up with email verification, login redirects, password reset, enforced staff 2FA."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from destek.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_signup_creates_unverified_customer_and_sends_verification(client, settings):
    response = client.post(reverse("account_signup"), {
        "email": "New.Customer@Example.com", "password1": "a-long-unusual-pass-77",
        "password2": "a-long-unusual-pass-77",
    })
    assert response.status_code == 302
    user = User.objects.get(email="new.customer@example.com")
    assert user.role == Role.CUSTOMER
    address = EmailAddress.objects.get(user=user)
    assert not address.verified
    # Unverified accounts cannot sign in yet.
    client.logout()
    response = client.post(reverse("account_login"), {
        "login": "new.customer@example.com", "password": "a-long-unusual-pass-77"})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"] or "verification" in response["Location"]


def test_nobody_signs_up_as_staff(client):
    client.post(reverse("account_signup"), {
        "email": "x@example.com", "password1": "a-long-unusual-pass-77",
        "password2": "a-long-unusual-pass-77", "role": "admin",
    })
    assert User.objects.get(email="x@example.com").role == Role.CUSTOMER


def _verified(user: User) -> User:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_agents_land_on_desk_and_customers_on_portal(client, agent, customer, password):
    _verified(agent)
    _verified(customer)
    response = client.post(reverse("account_login"), {"login": agent.email, "password": password})
    assert response["Location"] == reverse("desk:queue")
    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"),
                           {"login": customer.email, "password": password})
    assert response["Location"] == reverse("portal:ticket_list")


def test_wrong_password_is_refused(client, customer):
    _verified(customer)
    response = client.post(reverse("account_login"),
                           {"login": customer.email, "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_request_writes_an_email(client, customer, settings):
    _verified(customer)
    from destek.notifications.models import OutboundEmail

    before = OutboundEmail.objects.count()
    response = client.post(reverse("account_reset_password"), {"email": customer.email})
    assert response.status_code == 302
    assert OutboundEmail.objects.count() == before + 1
    assert not mail.outbox or mail.outbox[-1].to == [customer.email]


def test_staff_without_totp_are_sent_to_enrol_when_required(client, agent, settings):
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    client.force_login(agent)
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The enrolment pages themselves stay reachable (no redirect loop).
    final = client.get(reverse("mfa_activate_totp"), follow=True)
    assert final.status_code == 200
    assert final.request["PATH_INFO"].startswith("/accounts/")


def test_customers_are_not_forced_to_enrol(client, customer, settings):
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    client.force_login(customer)
    response = client.get(reverse("portal:ticket_list"))
    assert response.status_code != 302 or response["Location"] != reverse("mfa_activate_totp")


def test_staff_with_totp_pass(client, agent, settings):
    from allauth.mfa.models import Authenticator

    settings.DESTEK_REQUIRE_STAFF_MFA = True
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP,
                                 data={"secret": "JBSWY3DPEHPK3PXP"})
    client.force_login(agent)
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 200


def test_user_language_is_used(client, customer):
    customer.language = "tr"
    customer.save()
    client.force_login(customer)
    response = client.get(reverse("account_change_password"))
    assert response.headers.get("Content-Language") == "tr"


def test_language_switch_is_remembered_on_the_account(client, customer):
    client.force_login(customer)
    response = client.post(reverse("set_language"), {"language": "tr", "next": "/portal/"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "tr"
    client.post(reverse("set_language"), {"language": "xx", "next": "/portal/"})
    customer.refresh_from_db()
    assert customer.language == "tr"
