"""Settings → Branding: admins only, clear errors, audited, and the brand changes at once."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.audit.models import Action, AuditEvent
from destek.branding.brand import current
from destek.branding.tests.test_branding import PNG, SVG
from destek.conftest import login

URL = "/desk/settings/branding/"


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(role=Role.ADMIN, full_name="Ada Admin")


@pytest.fixture
def supervisor(db: None) -> User:
    return AgentFactory(role=Role.SUPERVISOR, full_name="Sema Supervisor")


def test_customers_agents_and_supervisors_get_404(customer, agent, supervisor) -> None:
    for person in (customer, agent, supervisor):
        client = login(Client(), person)
        assert client.get(URL).status_code == 404
        assert client.post(URL, {"name": "Evil"}).status_code == 404
    assert current().name == "Destek"


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_admin_saves_the_brand_and_every_page_shows_it(admin) -> None:
    client = login(Client(), admin)
    page = client.get(URL)
    assert page.status_code == 200 and 'data-testid="branding-form"' in page.content.decode()
    response = client.post(URL, {"name": "  Acme   Hosting ", "primary_color": "#7B1FA2",
                                 "logo": SimpleUploadedFile("logo.png", PNG, "image/png")})
    assert response.status_code == 302 and response["Location"] == URL
    brand = current()
    assert (brand.name, brand.color, bool(brand.logo_url)) == ("Acme Hosting", "#7b1fa2", True)
    portal = Client().get("/kb/").content.decode()
    assert "Acme Hosting" in portal and brand.stylesheet_url in portal
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.actor == admin and event.target == "branding.branding:1"
    assert event.detail["fields"] == ["name", "primary_color", "logo"]


def test_errors_are_shown_and_nothing_is_saved(admin) -> None:
    client = login(Client(), admin)
    response = client.post(URL, {"name": "Acme", "primary_color": "#ffee00",
                                 "logo": SimpleUploadedFile("x.svg", SVG, "image/svg+xml")})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="field-error-primary_color"' in page and "4.5:1" in page
    assert 'data-testid="field-error-logo"' in page and "SVG" in page
    assert current().name == "Destek"
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()


def test_the_form_is_in_turkish_for_a_turkish_admin(admin) -> None:
    admin.language = "tr"
    admin.save(update_fields=["language"])
    client = login(Client(), admin)
    client.cookies["django_language"] = "tr"
    page = client.get(URL, headers={"Accept-Language": "tr"}).content.decode()
    assert "Marka" in page and "Birincil renk" in page


def test_removing_the_logo(admin) -> None:
    client = login(Client(), admin)
    client.post(URL, {"name": "Acme", "primary_color": "",
                      "logo": SimpleUploadedFile("logo.png", PNG, "image/png")})
    assert current().logo_url
    client.post(URL, {"name": "Acme", "primary_color": "", "remove_logo": "on"})
    assert current().logo_url == "" and current().stylesheet_url == ""
