"""A customer's pages follow their browser's language until they choose one; then the choice
wins on every device. Staff keep their saved language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.models import User

pytestmark = pytest.mark.django_db

TURKISH_BROWSER = "tr-TR,tr;q=0.9,en-US;q=0.8,en;q=0.7"


def _signed_in(user: User) -> Client:
    client = Client()  # a new device: no language cookie
    client.force_login(user)
    return client


def _language(client: Client, browser: str | None) -> str:
    headers = {"Accept-Language": browser} if browser else {}
    response = client.get(reverse("portal:ticket_list"), headers=headers)
    assert response.status_code == 200
    return str(response.headers["Content-Language"])


def test_a_customer_reads_their_browsers_language_until_they_choose(customer: User) -> None:
    assert customer.language == "en" and not customer.language_chosen
    client = _signed_in(customer)
    assert _language(client, TURKISH_BROWSER) == "tr"
    customer.refresh_from_db()
    assert customer.language == "tr"  # their emails follow what they read
    assert not customer.language_chosen
    assert _language(client, "en-GB,en;q=0.9") == "en"
    assert _language(client, "fr-FR") == "en"  # a language Destek lacks: the saved one

    # They choose English with the switch: from now on, everywhere.
    client.post(reverse("set_language"), {"language": "en", "next": "/portal/"},
                headers={"Accept-Language": TURKISH_BROWSER})
    customer.refresh_from_db()
    assert (customer.language, customer.language_chosen) == ("en", True)
    assert _language(_signed_in(customer), TURKISH_BROWSER) == "en"


def test_choosing_the_language_already_shown_is_a_choice(customer: User) -> None:
    client = _signed_in(customer)
    client.post(reverse("set_language"), {"language": "en", "next": "/portal/"})
    customer.refresh_from_db()
    assert customer.language_chosen
    assert _language(_signed_in(customer), TURKISH_BROWSER) == "en"


def test_saving_the_profile_fixes_the_language(customer: User) -> None:
    client = _signed_in(customer)
    page = client.get(reverse("portal:profile"), headers={"Accept-Language": TURKISH_BROWSER})
    assert 'value="tr" selected' in page.content.decode()  # the language the page is in
    response = client.post(reverse("portal:profile"), {
        "full_name": "Deniz Müşteri", "phone": "", "language": "tr", "time_zone": "",
        "email_notifications": "on"}, headers={"Accept-Language": TURKISH_BROWSER})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.language, customer.language_chosen) == ("tr", True)
    assert _language(_signed_in(customer), "en-US") == "tr"


def test_staff_keep_their_saved_language(agent: User) -> None:
    agent.language = "tr"
    agent.save(update_fields=["language"])
    response = _signed_in(agent).get(reverse("desk:queue"), headers={"Accept-Language": "en-US"})
    assert response.headers["Content-Language"] == "tr"
    agent.refresh_from_db()
    assert agent.language == "tr"
