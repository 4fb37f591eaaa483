"""Issue 15, on the customer's side: a reseller's person sees an end customer's ticket in the
portal (named, filtered, answered) and never another reseller's; a customer sets their time
zone and phone in their profile and the portal's dates follow. In Turkish and in English."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import PEOPLE_SCRIPT, Person, RunningDestek, Shots, sign_in

pytestmark = pytest.mark.browser

# Run by `destek shell`: reseller R{lang} with end customer E{lang}; a stranger's reseller;
# one ticket each through the funnel.
SETUP_SCRIPT = """
from destek.accounts.models import Department, Organization, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
lang = {lang!r}
org = Organization.objects.get_or_create
r, _ = org(name=f"Reseller {{lang}}", defaults={{"is_reseller": True}})
e, _ = org(name=f"Müşteri A.Ş. {{lang}}", defaults={{"reseller": r}})
other, _ = org(name=f"Other reseller {{lang}}", defaults={{"is_reseller": True}})
oe, _ = org(name=f"Not yours {{lang}}", defaults={{"reseller": other}})
people = {{"reseller": r, "end": e, "stranger": oe}}
department = Department.objects.filter(is_public=True).order_by("pk").first()
for key, org in people.items():
    user = User.objects.get(email={emails!r}[key])
    user.organization = org
    user.save(update_fields=["organization"])
    receive(InboundMessage(channel=Channel.PORTAL, author=user, department_id=department.pk,
                           subject=f"{{key}} ticket {{lang}}", body_text="Help, please."))
"""

TICKET_SCRIPT = """
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
receive(InboundMessage(channel=Channel.PORTAL, author=User.objects.get(email={email!r}),
                       department_id=Department.objects.filter(is_public=True).order_by("pk")
                       .first().pk, subject="When was this?", body_text="Dates, please."))
"""

TEXTS = {
    "tr": {"end_customer": "Son müşteri", "everyone": "Herkes", "profile": "Profil",
           "saved": "Profiliniz kaydedildi.", "sent": "Yanıtınız gönderildi."},
    "en": {"end_customer": "End customer", "everyone": "Everyone", "profile": "Profile",
           "saved": "Your profile has been saved.", "sent": "Your reply has been sent."},
}


def _people(server: RunningDestek, lang: str) -> dict[str, Person]:
    spec = {key: {"email": f"{key}.{lang}@reseller.e2e.destek.test",
                  "password": secrets.token_urlsafe(12), "name": f"{key.title()} {lang}",
                  "role": "customer", "language": lang}
            for key in ("reseller", "end", "stranger")}
    out = server.destek("shell", "-v", "0", "-c", PEOPLE_SCRIPT.format(spec=json.dumps(spec)))
    ids = json.loads(next(x for x in out.splitlines() if x.startswith("PEOPLE="))
                     .removeprefix("PEOPLE="))
    server.destek("shell", "-v", "0", "-c", SETUP_SCRIPT.format(
        lang=lang, emails={k: p["email"] for k, p in spec.items()}))
    return {k: Person(key=k, pk=ids[k], email=p["email"], password=p["password"],
                      name=p["name"]) for k, p in spec.items()}


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_reseller_sees_and_answers_its_end_customers_ticket(
        destek_server: RunningDestek, new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    people = _people(destek_server, lang)
    texts = TEXTS[lang]
    shots = Shots(f"reseller-{lang}")
    page = new_context(lang).new_page()
    sign_in(page, destek_server, people["reseller"])
    page.goto(f"{destek_server.url}/portal/")

    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(2)  # their own and their end customer's; not the stranger's
    expect(page.get_by_text(f"stranger ticket {lang}")).to_have_count(0)
    expect(page.locator("th", has_text=texts["end_customer"])).to_be_visible()
    end_row = rows.filter(has_text=f"end ticket {lang}")
    expect(end_row.get_by_test_id("ticket-end-customer")).to_have_text(
        f"Müşteri A.Ş. {lang} · End {lang}")
    shots(page, "list")

    # The filter by end customer (the select submits itself).
    select = page.get_by_test_id("end-customer-select")
    expect(select.locator("option").first).to_have_text(texts["everyone"])
    select.select_option(label=f"Müşteri A.Ş. {lang}")
    page.wait_for_url(lambda url: "for=" in url)
    expect(page.get_by_test_id("ticket-row")).to_have_count(1)
    shots(page, "filtered")

    page.get_by_test_id("ticket-subject").first.click()
    expect(page.get_by_test_id("ticket-end-customer")).to_have_text(
        f"Müşteri A.Ş. {lang} · End {lang}")
    page.get_by_test_id("reply-body").fill("The reseller is on it.")
    page.get_by_test_id("reply-submit").click()
    expect(page.get_by_text(texts["sent"])).to_be_visible()
    expect(page.get_by_test_id("message-body").last).to_have_text("The reseller is on it.")
    shots(page, "answered")

    # The end customer sees the answer on their ticket, and not the reseller's own ticket.
    end_page = new_context(lang).new_page()
    sign_in(end_page, destek_server, people["end"])
    end_page.goto(f"{destek_server.url}/portal/")
    expect(end_page.get_by_test_id("ticket-row")).to_have_count(1)
    expect(end_page.get_by_test_id("end-customer-filter")).to_have_count(0)
    end_page.get_by_test_id("ticket-subject").first.click()
    expect(end_page.get_by_test_id("message-body").last).to_have_text("The reseller is on it.")


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_customer_sets_their_profile_and_dates_follow_their_zone(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    customer = people[f"customer_{lang}"]
    destek_server.destek("shell", "-v", "0", "-c", TICKET_SCRIPT.format(email=customer.email))
    texts = TEXTS[lang]
    shots = Shots(f"profile-{lang}")
    page = new_context(lang).new_page()
    sign_in(page, destek_server, customer)
    page.get_by_test_id("nav-profile").click()
    expect(page.locator("h1")).to_have_text(texts["profile"])
    page.get_by_test_id("profile-phone").fill("0532 123 45 67")
    page.get_by_test_id("profile-time-zone").select_option("UTC")
    shots(page, "profile")
    page.get_by_test_id("profile-submit").click()
    expect(page.get_by_text(texts["saved"])).to_be_visible()
    expect(page.get_by_test_id("profile-phone")).to_have_value("+905321234567")
    expect(page.get_by_test_id("profile-time-zone")).to_have_value("UTC")

    page.goto(f"{destek_server.url}/portal/")
    stamp = page.locator("[data-testid=ticket-row] time").first.get_attribute("datetime")
    assert stamp is not None and stamp.endswith("+00:00")  # Europe/Istanbul would be +03:00
    # Back to the installation's zone, so other tests see the default.
    page.get_by_test_id("nav-profile").click()
    page.get_by_test_id("profile-time-zone").select_option("")
    page.get_by_test_id("profile-submit").click()
    expect(page.get_by_text(texts["saved"])).to_be_visible()
