"""The Django admin is for superusers only (issue 16): everyone else configures Destek in
Settings and gets 404 there; its Turkish is ours where allauth's is missing or odd."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fields", [
    {"role": Role.ADMIN, "is_staff": True},  # an administrator, but not a superuser
    {"role": Role.SUPERVISOR, "is_staff": True},
    {"role": Role.AGENT},
])
def test_only_superusers_open_the_admin(client, fields):
    client.force_login(AgentFactory(**fields))
    assert client.get(reverse("admin:index")).status_code == 404
    assert client.get(reverse("admin:mail_mailbox_changelist")).status_code == 404
    if fields.get("is_staff"):
        assert client.get(reverse("admin:login")).status_code == 404


def test_customers_get_404(customer_client):
    assert customer_client.get(reverse("admin:index")).status_code == 404


def test_a_superuser_opens_it_in_turkish_without_broken_labels(client):
    superuser = AgentFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, language="tr")
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Doğrulayıcılar" in page and "İki faktörlü kimlik doğrulama" in page
    assert "Authenticators" not in page and "MFA(" not in page
    changelist = client.get(reverse("admin:mfa_authenticator_changelist")).content.decode()
    assert "Authenticator" not in changelist.replace("TOTP", "")


def test_the_navbar_sends_admins_to_settings(client):
    client.force_login(AgentFactory(role=Role.ADMIN))
    page = client.get(reverse("desk:queue")).content.decode()
    assert 'data-testid="nav-settings"' in page and 'href="/admin/' not in page
