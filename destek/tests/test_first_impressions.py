"""Issue 16, first impressions: where a visitor lands, and one date format per language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import formats, translation

from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket

AFTERNOON = datetime(2026, 12, 7, 17, 32, tzinfo=ZoneInfo("Europe/Istanbul"))
MORNING = datetime(2026, 3, 1, 9, 5, tzinfo=ZoneInfo("Europe/Istanbul"))


@pytest.mark.django_db
def test_a_visitor_lands_on_the_help_center_with_a_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/kb/"
    page = client.get("/kb/", headers={"Accept-Language": "tr"}).content.decode()
    assert 'data-testid="kb-sign-in"' in page and "Giriş yap" in page


@pytest.mark.django_db
def test_signed_in_people_land_on_their_work(customer: User, agent: User) -> None:
    for user, where in ((customer, "/portal/"), (agent, "/desk/")):
        client = Client()
        client.force_login(user)
        assert client.get("/")["Location"] == where
        page = client.get("/kb/").content.decode()
        assert 'data-testid="kb-sign-in"' not in page


@pytest.mark.parametrize(("language", "long", "short"), [
    ("en", "7 December 2026, 5:32 PM", "7 Dec 2026, 5:32 PM"),
    ("tr", "7 Aralık 2026 17:32", "07.12.2026 17:32"),
])
def test_one_long_and_one_short_format_per_language(language: str, long: str,
                                                    short: str) -> None:
    with translation.override(language):
        assert formats.date_format(AFTERNOON, "DATETIME_FORMAT") == long
        assert formats.date_format(AFTERNOON, "SHORT_DATETIME_FORMAT") == short
        morning = formats.date_format(MORNING, "SHORT_DATETIME_FORMAT")
        assert morning == {"en": "1 Mar 2026, 9:05 AM", "tr": "01.03.2026 09:05"}[language]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("en", "7 Dec 2026, 5:32 PM"),
                                                 ("tr", "07.12.2026 17:32")])
def test_the_portal_shows_dates_in_the_languages_format(customer: User, department: Department,
                                                        language: str, shown: str) -> None:
    ticket = open_ticket(customer=customer, department=department)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=AFTERNOON, updated_at=AFTERNOON)
    client = Client()
    client.force_login(customer)
    client.cookies["django_language"] = language
    for url in ("/portal/", f"/portal/tickets/{ticket.pk}/"):
        page = client.get(url).content.decode()
        assert shown in page, url
        assert "a.m." not in page and "p.m." not in page
