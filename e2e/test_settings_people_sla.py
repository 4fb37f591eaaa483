"""Issue 16's Settings, end to end, in Turkish and in English: an administrator edits an SLA
policy's first-response target in Settings (a duration typed as people write it, a clear
error for one that is not), the policy's summary says the new target, and the next ticket a
customer opens in the portal gets the new deadline (the desk's SLA panel and the database
agree). An invited agent sets a password from the invitation email and signs in to the desk.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import (
    Person,
    RunningDestek,
    Shots,
    sign_in,
    text_body,
    wait_for_mail,
)

pytestmark = pytest.mark.browser

TEXTS = {
    "tr": {"sla_title": "SLA politikaları", "bad": "yakında", "error": "Süreyi 30 dk",
           "duration": "3 sa 15 dk", "minutes": 195, "panel": "3 sa 15 dk",
           "summary": "3 sa 15 dk içinde ilk yanıt", "saved": "SLA politikası kaydedildi",
           "invite_title": "Temsilci davet et", "invited": "davet edildi",
           "subject": "davet etti"},
    "en": {"sla_title": "SLA policies", "bad": "soon", "error": "Write a duration such as",
           "duration": "2 h 30 min", "minutes": 150, "panel": "2 h 30 min",
           "summary": "first response within 2 h 30 min", "saved": "was saved",
           "invite_title": "Invite an agent", "invited": "invited", "subject": "invited you"},
}

# Settings pages checked at 390 px (the lists are main pages, e2e/main_pages.py).
PHONE_PAGES = ["sla/new/", "hours/new/", "departments/new/", "routing/new/", "people/invite/"]

# The ticket's first-response target and how far its deadline lies after its creation.
DEADLINE_SCRIPT = """
from destek.sla.models import TicketSla
sla = TicketSla.objects.select_related("ticket").get(ticket_id={ticket_id})
due = sla.first_response_due - sla.ticket.created_at
print("DEADLINE=" + str(sla.first_response_minutes) + "," + str(round(due.total_seconds() / 60)))
"""


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_an_sla_policy_edited_in_settings_sets_a_new_tickets_deadline(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    texts = TEXTS[lang]
    shots = Shots(f"settings-sla-{lang}")
    page = new_context(lang).new_page()
    sign_in(page, destek_server, people["admin"])

    # --- the administrator edits the Normal policy's first response --------------------------
    page.goto(f"{destek_server.url}/desk/settings/")
    page.get_by_test_id("settings-nav-sla_policies").click()
    expect(page.locator("main h2")).to_have_text(texts["sla_title"])
    shots(page, "sla-policies")
    page.get_by_test_id("sla-policy-link").filter(has_text=re.compile(r"^Normal$")).click()
    target = page.locator("#id_first_response_minutes")
    target.fill(texts["bad"])
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-first_response_minutes")).to_contain_text(texts["error"])
    expect(target).to_have_class(re.compile(r"\bis-invalid\b"))
    shots(page, "sla-policy-error")
    target.fill(texts["duration"])
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r"/desk/settings/sla/$"))
    expect(page.locator(".alert-success")).to_contain_text(texts["saved"])
    row = page.get_by_test_id("sla-policy-row").filter(
        has=page.get_by_test_id("sla-policy-link").filter(has_text=re.compile(r"^Normal$")))
    expect(row.get_by_test_id("sla-policy-summary")).to_contain_text(texts["summary"])
    shots(page, "sla-policy-saved")

    # --- a customer opens a normal ticket in the portal ----------------------------------------
    customer_page = new_context(lang).new_page()
    sign_in(customer_page, destek_server, people[f"customer_{lang}"])
    customer_page.goto(f"{destek_server.url}/portal/tickets/new/")
    customer_page.get_by_test_id("new-ticket-priority").select_option("20")
    customer_page.get_by_test_id("new-ticket-subject").fill(f"Mail quota {lang}")
    customer_page.get_by_test_id("new-ticket-body").fill("My mailbox is full.")
    customer_page.get_by_test_id("new-ticket-submit").click()
    customer_page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket_id = int(re.findall(r"/portal/tickets/(\d+)/", customer_page.url)[0])

    # --- the desk's SLA panel and the database say the new target -----------------------------
    page.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    expect(page.get_by_test_id("sla-policy")).to_have_text("Normal")
    expect(page.get_by_test_id("sla-target-first_response")).to_have_text(texts["panel"])
    shots(page, "desk-sla-panel")
    out = destek_server.destek("shell", "-v", "0", "-c",
                               DEADLINE_SCRIPT.format(ticket_id=ticket_id))
    target_minutes, due_minutes = (int(x) for x in next(
        x for x in out.splitlines() if x.startswith("DEADLINE=")).removeprefix(
        "DEADLINE=").split(","))
    assert target_minutes == due_minutes == texts["minutes"]

    # --- the forms fit a phone -----------------------------------------------------------------
    page.set_viewport_size({"width": 390, "height": 844})
    for path in PHONE_PAGES:
        page.goto(f"{destek_server.url}/desk/settings/{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    shots(page, "phone-invite")


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_an_invited_agent_sets_a_password_and_works_in_the_desk(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    texts = TEXTS[lang]
    shots = Shots(f"settings-people-{lang}")
    email = f"davetli-{lang}-{secrets.token_hex(3)}@e2e.destek.test"
    page = new_context(lang).new_page()
    sign_in(page, destek_server, people["admin"])
    page.goto(f"{destek_server.url}/desk/settings/people/")
    page.get_by_test_id("person-invite").click()
    expect(page.get_by_test_id("settings-title")).to_have_text(texts["invite_title"])
    page.locator("#id_email").fill(email)
    page.locator("#id_full_name").fill("Deniz Davetli")
    page.locator("#id_role").select_option("agent")
    page.locator("#id_language").select_option(lang)
    shots(page, "invite")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r"/desk/settings/people/$"))
    row = page.locator(f'[data-testid="person-row"][data-email="{email}"]')
    expect(row).to_contain_text(texts["invited"])
    shots(page, "people")

    message = wait_for_mail(destek_server, lambda m: email in str(m["To"]), "invitation")
    assert texts["subject"] in str(message["Subject"])
    link = re.search(r"https?://\S+/password/reset/key/\S+", text_body(message))
    assert link is not None

    invited = new_context(lang).new_page()
    invited.goto(link.group(0))
    password = secrets.token_urlsafe(14)
    invited.locator("input[name=password1]").fill(password)
    invited.locator("input[name=password2]").fill(password)
    shots(invited, "set-password")
    invited.get_by_test_id("auth-form").locator("button[type=submit]").first.click()
    invited.wait_for_url(re.compile(r"/password/reset/key/done/$"))
    sign_in(invited, destek_server, Person(key="invited", pk=0, email=email, password=password,
                                           name="Deniz Davetli"))
    invited.wait_for_url(re.compile(r"/desk/"))
    expect(invited.get_by_test_id("settings-nav")).to_have_count(0)
    shots(invited, "desk")
