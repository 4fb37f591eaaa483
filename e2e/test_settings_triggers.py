"""Issue 19, Settings → Triggers, end to end, in Turkish and in English: a customer writes
"acil yardım" in the portal; the administrator builds a trigger with real fields (the words,
priority Critical, a tag), tries it on recent tickets — the dry run lists that ticket and says
what it would have done, and saves nothing —, saves it; the next ticket with those words
(written in capitals, Turkish letters folded) is critical and tagged. The trigger is deleted at
the end (the server is shared by the other browser tests).

Screenshots: test-artifacts/settings-triggers-<lang>/.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in

pytestmark = pytest.mark.browser

# The trigger's engine, dry run and services are other parts of issue 19: without them
# there is nothing to drive.
for _module in ("destek.automation.services", "destek.automation.dryrun"):
    pytest.importorskip(_module, reason="the triggers' engine is not in this tree yet")

TEXTS = {
    "tr": {"title": "Tetikleyiciler", "saved": "kaydedildi", "deleted": "silindi",
           "subject": "Acil yardım lazım", "body": "Merhaba, acil yardım gerekiyor, sitem yok.",
           "again": "ACİL YARDIM: e-postalarım gitmiyor", "dry_run": "Deneme",
           "events_error": "En az bir olay işaretleyin."},
    "en": {"title": "Triggers", "saved": "was saved", "deleted": "was deleted",
           "subject": "Need acil yardım please", "body": "Hello, acil yardım: my site is gone.",
           "again": "ACIL YARDIM — my mail bounces", "dry_run": "Dry run",
           "events_error": "Tick at least one event."},
}

TICKET_SCRIPT = """
import json
from destek.tickets.models import Ticket
t = Ticket.objects.get(pk={ticket_id})
print("TICKET=" + json.dumps({{"priority": t.priority,
                              "tags": sorted(t.tags.values_list("name", flat=True))}}))
"""


def ticket_state(server: RunningDestek, ticket_id: int) -> dict[str, Any]:
    out = server.destek("shell", "-v", "0", "-c", TICKET_SCRIPT.format(ticket_id=ticket_id))
    line = next(x for x in out.splitlines() if x.startswith("TICKET="))
    return dict(json.loads(line.removeprefix("TICKET=")))


def open_portal_ticket(page: Any, server: RunningDestek, subject: str, body: str) -> int:
    page.goto(f"{server.url}/portal/tickets/new/")
    page.get_by_test_id("new-ticket-priority").select_option("20")
    page.get_by_test_id("new-ticket-subject").fill(subject)
    page.get_by_test_id("new-ticket-body").fill(body)
    page.get_by_test_id("new-ticket-submit").click()
    page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    return int(re.findall(r"/portal/tickets/(\d+)/", page.url)[0])


def delete_trigger(page: Any, server: RunningDestek, name: str) -> None:
    """Through the page, as an admin would: the service bumps the rules' version."""
    page.goto(f"{server.url}/desk/settings/triggers/")
    link = page.get_by_test_id("trigger-name").filter(has_text=re.compile(f"^{re.escape(name)}$"))
    if link.count() == 0:
        return
    link.first.click()
    page.get_by_test_id("delete").click()
    page.get_by_test_id("confirm-delete").click()
    page.wait_for_url(re.compile(r"/desk/settings/triggers/$"))


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_trigger_built_in_settings_makes_urgent_tickets_critical(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    texts, server = TEXTS[lang], destek_server
    token = secrets.token_hex(3)
    name = f"Acil yardım {lang} {token}"
    tag = f"acil-{lang}-{token}"
    shots = Shots(f"settings-triggers-{lang}")

    # --- a recent ticket saying "acil yardım", before any such trigger ---------------------
    customer = new_context(lang).new_page()
    sign_in(customer, server, people[f"customer_{lang}"])
    first_id = open_portal_ticket(customer, server, f"{texts['subject']} {token}", texts["body"])
    assert tag not in ticket_state(server, first_id)["tags"]

    admin = new_context(lang).new_page()
    sign_in(admin, server, people["admin"])
    try:
        # --- the administrator builds the trigger -----------------------------------------
        admin.goto(f"{server.url}/desk/settings/")
        admin.get_by_test_id("settings-nav-triggers").click()
        expect(admin.get_by_test_id("settings-title")).to_have_text(texts["title"])
        admin.get_by_test_id("trigger-new").click()
        admin.locator("#id_name").fill(name)
        admin.locator("#id_words_any").fill("acil yardım")
        admin.locator("#id_priority").select_option("40")
        admin.locator("#id_tags_add").fill(tag)
        # No event ticked: a clear error at the field, nothing saved.
        admin.get_by_test_id("save").click()
        expect(admin.get_by_test_id("error-events")).to_have_text(texts["events_error"])
        shots(admin, "error")
        admin.locator('input[name="events"][value="ticket_created"]').check()

        # --- the dry run lists the recent ticket and what would be done -------------------
        admin.get_by_test_id("dry-run").click()
        preview = admin.get_by_test_id("preview")
        expect(preview).to_contain_text(texts["dry_run"])
        # (other tickets may match too: the server is shared, and the other language ran)
        row = admin.get_by_test_id("preview-row").filter(
            has=admin.locator(f'a[href="/desk/tickets/{first_id}/"]'))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(f"{texts['subject']} {token}")
        expect(row.locator("li").filter(has_text=tag)).to_have_count(1)  # what it would do
        shots(admin, "dry-run")
        # The form is still filled in, and nothing was saved or changed.
        expect(admin.locator("#id_name")).to_have_value(name)
        assert tag not in ticket_state(server, first_id)["tags"]

        # --- saved: listed, active ---------------------------------------------------------
        admin.get_by_test_id("save").click()
        admin.wait_for_url(re.compile(r"/desk/settings/triggers/$"))
        expect(admin.locator(".alert-success")).to_contain_text(texts["saved"])
        listed = admin.get_by_test_id("trigger-row").filter(has_text=name)
        expect(listed).to_have_count(1)
        expect(listed.get_by_test_id("trigger-toggle")).to_have_attribute("aria-pressed",
                                                                          "true")
        shots(admin, "list")

        # --- the next ticket with those words is critical and tagged ------------------------
        second_id = open_portal_ticket(customer, server, texts["again"], f"{texts['body']} #2")
        deadline = time.monotonic() + 20
        state = ticket_state(server, second_id)
        while tag not in state["tags"] and time.monotonic() < deadline:
            time.sleep(0.5)
            state = ticket_state(server, second_id)
        assert state["priority"] == 40 and tag in state["tags"], state
        admin.goto(f"{server.url}/desk/tickets/{second_id}/")
        shots(admin, "critical-ticket")

        # --- the list counts the firing ---------------------------------------------------
        admin.goto(f"{server.url}/desk/settings/triggers/")
        expect(admin.get_by_test_id("trigger-row").filter(has_text=name)
               .get_by_test_id("trigger-fired")).not_to_have_text("0")
    finally:
        delete_trigger(admin, server, name)
    expect(admin.locator(".alert-success")).to_contain_text(texts["deleted"])
    expect(admin.get_by_test_id("trigger-row").filter(has_text=name)).to_have_count(0)
