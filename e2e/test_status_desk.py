"""The agents' status pages on a phone (issue 17): an agent declares an incident on a server,
sees how many customers it will notify as they tick the component, publishes it, posts an
update, and the page fits a 390 px screen in both languages. Screenshots in
test-artifacts/status-desk-<lang>/."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in
from e2e.test_small_screens import OVERFLOWING_JS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# A component on server e2e-web-07 and one customer (customer_en) with a service on it.
SEED = """
from destek.accounts.models import User
from destek.hosting.models import Service
from destek.status.models import Component, ComponentGroup
group, _ = ComponentGroup.objects.get_or_create(name="E2E hosting",
                                                defaults={{"name_tr": "E2E barındırma"}})
Component.objects.get_or_create(slug="e2e-web-07", defaults={{
    "name": "Shared hosting – e2e-web-07", "name_tr": "Paylaşımlı barındırma – e2e-web-07",
    "group": group, "servers": ["e2e-web-07"]}})
customer = User.objects.get(email={email!r})
Service.objects.get_or_create(customer=customer, server="e2e-web-07",
                              defaults={{"plan": "Starter", "domain": "shop.e2e.test"}})
print("SEEDED")
"""

WORDS = {
    "en": {"title": "Web server e2e-web-07 is down", "update": "Identified"},
    "tr": {"title": "e2e-web-07 sunucusu çalışmıyor", "update": "Sorun belirlendi"},
}


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_an_agent_declares_and_updates_an_incident_on_a_phone(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    destek_server.destek("shell", "-v", "0", "-c",
                         SEED.format(email=people["customer_en"].email))
    words = WORDS[lang]
    shots = Shots(f"status-desk-{lang}")
    page = new_context(lang).new_page()
    sign_in(page, destek_server, people["agent"])
    page.set_viewport_size(PHONE)
    page.goto(f"{destek_server.url}/desk/incidents/")
    shots(page, "list")
    assert page.evaluate(OVERFLOWING_JS) == []
    page.get_by_test_id("incident-declare").click()
    page.locator("input[name=title]").fill(words["title"])
    page.locator("input[name=title_tr]").fill("e2e-web-07 sunucusu çalışmıyor")
    count = page.get_by_test_id("affected-count")
    expect(count).to_have_attribute("data-count", "0")
    page.get_by_test_id("component-e2e-web-07").check()
    # The preview follows the ticked components (htmx): the one customer on e2e-web-07.
    expect(page.get_by_test_id("affected-count")).to_have_attribute("data-count", "1")
    page.locator("textarea[name=body]").fill("We are looking into it.")
    page.locator("textarea[name=body_tr]").fill("İnceliyoruz.")
    shots(page, "declare")
    assert page.evaluate(OVERFLOWING_JS) == []
    page.get_by_test_id("publish").click()
    page.wait_for_url(re.compile(r"/desk/incidents/\d+/$"))
    expect(page.get_by_test_id("timeline-entry")).to_have_count(1)
    expect(page.get_by_test_id("timeline")).to_contain_text("İnceliyoruz.")
    page.get_by_test_id("update-form").locator("select[name=state]").select_option("identified")
    page.get_by_test_id("update-form").locator("textarea[name=body]").fill(
        "A disk failed; replacing it.")
    page.get_by_test_id("update-post").click()
    expect(page.get_by_test_id("timeline-entry")).to_have_count(2)
    expect(page.get_by_test_id("incident-state")).to_have_text(words["update"])
    shots(page, "incident")
    assert page.evaluate(OVERFLOWING_JS) == []
