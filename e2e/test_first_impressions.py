"""Issue 16, part 4 (first impressions), end to end, in English and in Turkish.

- A visitor lands on the help center (the demo's categories and FAQ, a clear "Sign in"), opens
  the chat widget's demo page that Destek serves itself (no allowed websites configured) and
  starts a chat that the online agent sees in the console.
- Dates on the portal and the desk read in the language's one format (24-hour Turkish, no
  "p.m." in English).
- A customer whose browser speaks Turkish reads Turkish, edits their profile, then chooses
  English: from then on English, on any device, whatever the browser says.

Screenshots go to test-artifacts/first-impressions-*/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from e2e.conftest import WAIT_MS, Person, RunningDestek, Shots, sign_in

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Words:
    help_center: str
    category: str  # one of the demo's categories
    faq: str  # one of the demo's FAQ articles
    sign_in: str
    demo_title: str
    launcher: str
    department: str
    connected: str  # with the agent's name
    console_title: str
    hello: str
    short_date: str  # 2026-12-07 14:32 UTC, in Istanbul
    long_date: str
    my_tickets: str
    profile: str
    saved: str


WORDS = {
    "en": Words(
        help_center="Help center", category="Getting started", faq="Restore a backup",
        sign_in="Sign in", demo_title="Chat widget demo", launcher="Chat",
        department="Technical support", connected="You are chatting with {name}.",
        console_title="Live chat", hello="Hello, I would like to move my domain to you.",
        short_date="7 Dec 2026, 5:32 PM", long_date="7 December 2026, 5:32 PM",
        my_tickets="My tickets", profile="Profile", saved="Your profile has been saved."),
    "tr": Words(
        help_center="Yardım merkezi", category="Başlarken", faq="Yedekten geri yükleme",
        sign_in="Giriş yap", demo_title="Sohbet penceresi tanıtımı", launcher="Sohbet",
        department="Teknik destek", connected="{name} ile görüşüyorsunuz.",
        console_title="Canlı destek", hello="Merhaba, alan adımı size taşımak istiyorum.",
        short_date="07.12.2026 17:32", long_date="7 Aralık 2026 17:32",
        my_tickets="Taleplerim", profile="Profil", saved="Profiliniz kaydedildi."),
}


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_a_visitor_lands_on_the_help_center_and_chats_from_the_widget_demo(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    server, words, agent = destek_server, WORDS[lang], people["agent"]
    shots = Shots(f"first-impressions-visitor-{lang}")

    # --- the first page: the help center, with the demo's content and a sign-in ---------------
    page = new_context(lang).new_page()
    page.goto(server.url + "/")
    page.wait_for_url("**/kb/")
    expect(page.locator("main h1")).to_have_text(words.help_center)
    expect(page.get_by_test_id("kb-categories")).to_contain_text(words.category)
    expect(page.locator("main")).to_contain_text(words.faq)
    expect(page.get_by_test_id("kb-sign-in")).to_have_text(words.sign_in)
    shots(page, "help-center")

    # --- the agent is online in the console ------------------------------------------------------
    agent_page = new_context(lang).new_page()
    sign_in(agent_page, server, agent)
    agent_page.goto(f"{server.url}/desk/chat/")
    expect(agent_page.locator("main h1").first).to_have_text(words.console_title)
    expect(agent_page.get_by_test_id("chat-widget-demo")).to_have_attribute(
        "href", "/chat/demo/")
    expect(agent_page.get_by_test_id("chat-live")).to_have_class(re.compile("text-bg-success"))
    with agent_page.expect_response(lambda r: r.url.endswith("/desk/chat/status/")) as answer:
        agent_page.get_by_test_id("chat-status-select").select_option("online")
    assert answer.value.ok

    # --- the widget's demo page, on Destek's own origin: a chat starts ---------------------------
    page.goto(f"{server.url}/chat/demo/")
    expect(page.get_by_test_id("widget-demo-title")).to_have_text(words.demo_title)
    expect(page.get_by_test_id("widget-snippet")).to_have_text(
        f'<script src="{server.url}/chat/widget.js" async></script>')
    launcher = page.get_by_test_id("chat-launcher")
    expect(launcher).to_have_text(words.launcher)
    launcher.click()
    visitor_email = f"visitor-{lang}-{secrets.token_hex(3)}@e2e.destek.test"
    page.get_by_test_id("chat-name").fill("Ada Lovelace" if lang == "en" else "Ayla Kaya")
    page.get_by_test_id("chat-email").fill(visitor_email)
    page.get_by_test_id("chat-prechat").locator("select[name=department]").select_option(
        label=words.department)
    page.get_by_test_id("chat-topic").fill(words.hello)
    shots(page, "widget-demo")
    page.get_by_test_id("chat-start").click()
    expect(page.get_by_test_id("chat-status")).to_have_text(
        words.connected.format(name=agent.name))

    pane = agent_page.get_by_test_id("chat-pane").filter(has_text=visitor_email)
    expect(pane).to_be_visible()
    expect(pane.get_by_test_id("chat-log").locator("[data-side=visitor]",
                                                   has_text=words.hello)).to_have_count(1)
    shots(agent_page, "console")
    page.get_by_test_id("chat-end").click()


# Run by `destek shell`: a ticket of `email`'s whose times are fixed at 2026-12-07 14:32 UTC.
DATED_TICKET_SCRIPT = """
import datetime, json
from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Message, Ticket
when = datetime.datetime(2026, 12, 7, 14, 32, tzinfo=datetime.UTC)
customer = User.objects.get(email={email!r})
ticket = open_ticket(customer=customer, department=Department.objects.order_by("pk").first(),
                     subject={subject!r}, body="Dates, please.")
Ticket.objects.filter(pk=ticket.pk).update(created_at=when, updated_at=when)
Message.objects.filter(ticket=ticket).update(created_at=when)
print("TICKET=" + json.dumps(ticket.pk))
"""


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_dates_read_in_the_languages_format_on_the_portal_and_the_desk(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    server, words, customer = destek_server, WORDS[lang], people[f"customer_{lang}"]
    shots = Shots(f"first-impressions-dates-{lang}")
    subject = f"Dated ticket {secrets.token_hex(3)}"
    out = server.destek("shell", "-v", "0", "-c",
                        DATED_TICKET_SCRIPT.format(email=customer.email, subject=subject))
    ticket_id = json.loads(next(x for x in out.splitlines()
                                if x.startswith("TICKET=")).removeprefix("TICKET="))

    page = new_context(lang).new_page()
    sign_in(page, server, customer)
    row = page.get_by_test_id("ticket-row").filter(has_text=subject)
    expect(row).to_contain_text(words.short_date)
    page.goto(f"{server.url}/portal/tickets/{ticket_id}/")
    main = page.locator("main")
    expect(main).to_contain_text(words.short_date)  # opened, last update
    expect(main).to_contain_text(words.long_date)  # the message
    text = main.inner_text()
    assert "a.m." not in text and "p.m." not in text
    shots(page, "portal-ticket")

    desk = new_context(lang).new_page()
    sign_in(desk, server, people["agent"])
    desk.goto(f"{server.url}/desk/tickets/{ticket_id}/")
    expect(desk.get_by_test_id("conversation").locator("time").first).to_have_text(
        words.short_date)
    shots(desk, "desk-ticket")


# Run by `destek shell`: a customer who never chose a language (the account says "en").
NEW_CUSTOMER_SCRIPT = """
import json
from allauth.account.models import EmailAddress
from destek.accounts.models import User
user = User.objects.create_user({email!r}, {password!r}, full_name="Selin Aydın",
                                role="customer")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
print("USER=" + json.dumps([user.pk, user.language, user.language_chosen]))
"""


def test_a_customer_reads_their_browsers_language_until_they_choose_one(
        destek_server: RunningDestek, browser: Any) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    server = destek_server
    shots = Shots("first-impressions-browser-language")
    email, password = f"selin-{secrets.token_hex(3)}@e2e.destek.test", secrets.token_urlsafe(12)
    out = server.destek("shell", "-v", "0", "-c",
                        NEW_CUSTOMER_SCRIPT.format(email=email, password=password))
    pk, saved, chosen = json.loads(next(x for x in out.splitlines()
                                        if x.startswith("USER=")).removeprefix("USER="))
    assert (saved, chosen) == ("en", False)
    selin = Person(key="selin", pk=pk, email=email, password=password, name="Selin Aydın")

    def turkish_browser() -> Any:  # no language cookie: only Accept-Language speaks
        context = browser.new_context(locale="tr-TR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(WAIT_MS)
        return context

    first = turkish_browser()
    try:
        page = first.new_page()
        sign_in(page, server, selin)
        expect(page.locator("html")).to_have_attribute("lang", "tr")
        expect(page.get_by_test_id("nav-profile")).to_have_text(WORDS["tr"].profile)
        expect(page.locator("main")).to_contain_text(WORDS["tr"].my_tickets)
        shots(page, "portal-in-turkish")

        # The profile is one click away and editable.
        page.get_by_test_id("nav-profile").click()
        page.wait_for_url("**/portal/profile/")
        expect(page.get_by_test_id("profile-language")).to_have_value("tr")
        page.get_by_test_id("profile-name").fill("Selin Aydın Kaya")
        page.get_by_test_id("profile-phone").fill("0532 123 45 67")
        page.get_by_test_id("profile-submit").click()
        expect(page.locator(".alert-success")).to_have_text(WORDS["tr"].saved)
        expect(page.get_by_test_id("profile-name")).to_have_value("Selin Aydın Kaya")
        expect(page.get_by_test_id("profile-phone")).to_have_value("+905321234567")
        shots(page, "profile-saved")

        # They choose English with the language switch.
        page.locator("[data-testid=language-form] select").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("nav-profile")).to_have_text(WORDS["en"].profile)
    finally:
        first.close()

    # Another device, a Turkish browser again: their choice wins.
    second = turkish_browser()
    try:
        page = second.new_page()
        sign_in(page, server, selin)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("main")).to_contain_text(WORDS["en"].my_tickets)
        shots(page, "portal-after-choosing-english")
    finally:
        second.close()
