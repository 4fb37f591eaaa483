"""Issue 18's suggestions board, end to end, in Turkish and in English.

A customer posts a suggestion; a second customer, typing a similar title, is shown it while
typing and votes for it instead; staff mark it planned with an official response; both
customers are emailed, each in their own language.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import (
    PEOPLE_SCRIPT,
    Person,
    RunningDestek,
    Shots,
    sign_in,
    text_body,
    wait_for_mail,
)

pytestmark = pytest.mark.browser

CATEGORY_SCRIPT = """
from destek.ideas.models import IdeaCategory
IdeaCategory.objects.get_or_create(name="Control panel", defaults={"name_tr": "Kontrol paneli"})
print("OK")
"""

TEXTS = {
    "tr": {"title": "Joker SSL sertifikaları {n}", "typing": "joker sertifika",
           "planned": "Planlandı", "subject": "önerisi"},
    "en": {"title": "Wildcard SSL certificates {n}", "typing": "wildcard certif",
           "planned": "Planned", "subject": "Suggestion"},
}


def _customers(server: RunningDestek, lang: str) -> dict[str, Person]:
    # the poster speaks the test's language, the voter the other one
    other = "en" if lang == "tr" else "tr"
    spec = {who: {"email": f"{who}.{lang}@ideas.e2e.destek.test",
                  "password": secrets.token_urlsafe(12), "name": f"{who.title()} {lang}",
                  "role": "customer", "language": language}
            for who, language in (("poster", lang), ("voter", other))}
    out = server.destek("shell", "-v", "0", "-c", PEOPLE_SCRIPT.format(spec=json.dumps(spec)))
    ids = json.loads(next(x for x in out.splitlines() if x.startswith("PEOPLE="))
                     .removeprefix("PEOPLE="))
    server.destek("shell", "-v", "0", "-c", CATEGORY_SCRIPT)
    return {who: Person(key=who, pk=ids[who], email=p["email"], password=p["password"],
                        name=p["name"]) for who, p in spec.items()}


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_suggestion_found_while_typing_voted_planned_and_everyone_emailed(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    customers = _customers(destek_server, lang)
    texts = TEXTS[lang]
    other = "en" if lang == "tr" else "tr"
    title = texts["title"].format(n=secrets.token_hex(3))
    shots = Shots(f"ideas-{lang}")

    # --- the first customer posts a suggestion -------------------------------------------------
    page = new_context(lang).new_page()
    sign_in(page, destek_server, customers["poster"])
    page.get_by_test_id("nav-ideas").first.click()
    page.get_by_test_id("idea-new").click()
    page.locator("#idea-title").fill(title)
    page.locator("#idea-description").fill("Let's Encrypt wildcard certificates, please.")
    shots(page, "post")
    page.get_by_test_id("idea-submit").click()
    page.wait_for_url(re.compile(r"/ideas/\d+/$"))
    idea_id = int(re.findall(r"/ideas/(\d+)/", page.url)[0])
    expect(page.get_by_test_id("idea-title")).to_have_text(title)

    # --- the second customer finds it while typing a similar title, and votes -----------------
    voter = new_context(other).new_page()
    sign_in(voter, destek_server, customers["voter"])
    voter.goto(f"{destek_server.url}/ideas/new/")
    voter.locator("#idea-title").press_sequentially(texts["typing"], delay=40)
    found = voter.get_by_test_id("idea-similar").get_by_role("link", name=title)
    expect(found).to_be_visible()
    shots(voter, "found-while-typing")
    found.click()
    voter.wait_for_url(re.compile(rf"/ideas/{idea_id}/$"))
    voter.get_by_test_id("idea-vote").click()
    expect(voter.get_by_test_id("idea-vote-count")).to_have_text("2")
    expect(voter.get_by_test_id("idea-unvote")).to_be_visible()

    # --- staff mark it planned with an official response --------------------------------------
    staff = new_context(lang).new_page()
    sign_in(staff, destek_server, people["agent"])
    staff.goto(f"{destek_server.url}/ideas/{idea_id}/")
    staff.locator("#idea-status-select").select_option("planned")
    staff.locator("#idea-response").fill("Coming with the next control panel release.")
    staff.locator("#idea-response-tr").fill("Bir sonraki kontrol paneli sürümüyle geliyor.")
    staff.get_by_test_id("idea-status-save").click()
    expect(staff.get_by_test_id("idea-status")).to_have_text(texts["planned"])
    shots(staff, "planned")

    # --- both customers are emailed, each in their own language -------------------------------
    for who, language in (("poster", lang), ("voter", other)):
        address = customers[who].email
        message = wait_for_mail(
            destek_server, lambda m, a=address: a in str(m["To"]) and title in str(m["Subject"]),
            f"about the planned suggestion to {who}")
        body = text_body(message)
        if language == "tr":
            assert "Planlandı" in str(message["Subject"]) and "Bir sonraki" in body
        else:
            assert "Planned" in str(message["Subject"]) and "next control panel" in body
        assert f"/ideas/{idea_id}/" in body
