"""Issue 16, "Speed for agents", end to end in Turkish and in English: the keyboard drives
the queue and the ticket view (j/k, o/Enter, a, s, r, n, /, g i, the ? cheat sheet), a canned
response lands above the reply's signature, the current filters become a saved view with a
count, and a ticket a colleague assigns to the agent raises a desktop notification.

Against the real `destek run` (e2e/conftest.py). Screenshots: test-artifacts/keys-<lang>/.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Words:
    subject: str
    shortcuts: str
    updated: str
    assigned: str
    view_name: str
    view_saved: str
    view_renamed: str
    view_deleted: str
    notify_on: str


WORDS = {
    "tr": Words(subject="Klavye", shortcuts="Klavye kısayolları", updated="1 talep güncellendi.",
                assigned="{reference} size atandı", view_name="Klavye işleri",
                view_saved="görünümü kaydedildi", view_renamed="Görünümün yeni adı",
                view_deleted="Görünüm silindi.", notify_on="Masaüstü bildirimleri açık"),
    "en": Words(subject="Keyboard", shortcuts="Keyboard shortcuts", updated="1 ticket updated.",
                assigned="{reference} was assigned to you", view_name="Keyboard work",
                view_saved="saved.", view_renamed="View renamed to",
                view_deleted="View deleted.", notify_on="Desktop notifications are on"),
}

# Three unassigned tickets (Billing assigns nobody automatically), newest last.
TICKETS_SCRIPT = """
import json
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
customer = User.objects.get(pk={customer})
billing = Department.objects.get(name="Billing")
ids = []
for i in range(3):
    ids.append(receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                      department_id=billing.pk, subject="{subject} " + str(i),
                                      body_text="Kısayol testi / shortcut test")).ticket.pk)
print("TICKETS=" + json.dumps(ids))
"""

# A Notification the test can read (window.__notes), granted when the page asks; the grant
# outlives a reload as a real one does.
FAKE_NOTIFICATION = """
window.__notes = [];
function FakeNotification(title, options) {
  window.__notes.push({title: title, body: (options || {}).body || ""});
}
FakeNotification.prototype.close = function () {};
Object.defineProperty(FakeNotification, "permission", {
  get: function () { return localStorage.getItem("fake-permission") || "default"; }
});
FakeNotification.requestPermission = function () {
  localStorage.setItem("fake-permission", "granted");
  return Promise.resolve("granted");
};
window.Notification = FakeNotification;
"""


def _tickets(server: RunningDestek, customer: Person, subject: str) -> list[int]:
    out = server.destek("shell", "-v", "0", "-c",
                        TICKETS_SCRIPT.format(customer=customer.pk, subject=subject))
    line = next(x for x in out.splitlines() if x.startswith("TICKETS="))
    return list(json.loads(line.removeprefix("TICKETS=")))


def _press(page: Any, key: str) -> None:
    page.keyboard.press(key)


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_the_keyboard_drives_the_queue_and_the_ticket(destek_server: RunningDestek,
                                                       people: dict[str, Person],
                                                       new_context: Any, lang: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    shots = Shots(f"keys-{lang}")
    token = f"{words.subject} {secrets.token_hex(3)}"
    first, second, third = _tickets(destek_server, people[f"customer_{lang}"], token)
    agent = people["agent"]
    url = destek_server.url

    context = new_context(lang)
    context.add_init_script(FAKE_NOTIFICATION)
    page = context.new_page()
    sign_in(page, destek_server, agent)
    page.goto(f"{url}/desk/")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")

    # ? opens the cheat sheet, Escape closes it.
    _press(page, "?")
    sheet = page.get_by_test_id("keys-help")
    expect(sheet).to_be_visible()
    expect(sheet.locator(".modal-title")).to_have_text(words.shortcuts)
    expect(sheet.locator("kbd", has_text="j")).to_have_count(1)
    shots(page, "cheat-sheet")
    expect(sheet).to_be_focused()  # shown: its fade is over
    _press(page, "Escape")
    expect(sheet).to_be_hidden()

    # / focuses the search; typing there does not move the selection.
    _press(page, "/")
    search = page.get_by_test_id("queue-search")
    expect(search).to_be_focused()
    page.keyboard.type(token)
    _press(page, "Enter")
    page.wait_for_url(lambda u: "q=" in u)
    rows = page.locator("#queue-body tr[data-ticket-id]")
    expect(rows).to_have_count(3)
    expect(page.locator("#queue-body tr[aria-selected=true]")).to_have_count(0)

    # j/k move the selection (newest first: third, second, first).
    page.locator("main h1").click()  # out of the search field
    _press(page, "j")
    expect(page.get_by_test_id(f"queue-row-{third}")).to_have_attribute("aria-selected", "true")
    _press(page, "j")
    expect(page.get_by_test_id(f"queue-row-{second}")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id(f"queue-row-{third}")).not_to_have_attribute("aria-selected",
                                                                            "true")
    _press(page, "k")
    _press(page, "j")
    shots(page, "queue-selection")

    # a assigns the selected ticket to me.
    _press(page, "a")
    expect(page.get_by_role("alert").filter(has_text=words.updated)).to_be_visible()
    expect(page.get_by_test_id(f"queue-row-{second}")).to_contain_text(agent.name)
    expect(page.get_by_test_id(f"queue-row-{third}")).not_to_contain_text(agent.name)

    # The current filters become a saved view, with its count, in the queue's tabs.
    page.get_by_test_id("save-view-toggle").click()
    page.get_by_test_id("save-view-name").fill(words.view_name)
    page.get_by_test_id("save-view-submit").click()
    expect(page.get_by_role("alert").filter(has_text=words.view_saved)).to_be_visible()
    tab = page.locator("#saved-view-tabs a", has_text=words.view_name)
    expect(tab).to_have_attribute("aria-current", "page")
    expect(tab.locator("[data-testid^=saved-view-count-]")).to_have_text("3")
    expect(page.locator("[data-testid=queue-tabs] .nav-link.active")).to_have_count(0)
    shots(page, "saved-view")

    # s: the bulk bar's status for the selected row; o opens it (the assigned ticket moved
    # to the top: updated last).
    _press(page, "j")
    expect(page.get_by_test_id(f"queue-row-{second}")).to_have_attribute("aria-selected", "true")
    _press(page, "s")
    expect(page.get_by_test_id("bulk-status")).to_be_focused()
    expect(page.get_by_test_id(f"queue-select-{second}")).to_be_checked()
    _press(page, "Escape")
    _press(page, "o")
    page.wait_for_url(f"{url}/desk/tickets/{second}/")

    # On the ticket: n writes a note, r a reply; Escape leaves the box.
    reply = page.get_by_test_id("reply-body")
    note = page.get_by_test_id("note-toggle")
    _press(page, "n")
    expect(reply).to_be_focused()
    expect(note).to_be_checked()
    page.keyboard.type("n j k")  # typing: no shortcut fires
    expect(reply).to_have_value("n j k")
    expect(page).to_have_url(f"{url}/desk/tickets/{second}/")
    _press(page, "Escape")
    expect(reply).not_to_be_focused()
    _press(page, "r")
    expect(reply).to_be_focused()
    expect(note).not_to_be_checked()

    # A canned response goes above the signature, the caret after it.
    reply.fill("")
    reply.focus()
    page.keyboard.type("Hi,")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("-- ")
    page.keyboard.press("Enter")
    page.keyboard.type("Mehmet")
    canned = page.get_by_test_id("canned-select")
    option = canned.locator("option[data-body]").first
    body = option.get_attribute("data-body") or ""
    canned.select_option(value=option.get_attribute("value"))
    expected = f"Hi,\n\n{body.rstrip()}\n\n-- \nMehmet"
    expect(reply).to_have_value(expected)
    caret = reply.evaluate("el => [el.selectionStart, el.selectionEnd]")
    assert caret == [len(f"Hi,\n\n{body.rstrip()}")] * 2
    shots(page, "canned-above-signature")
    reply.fill("")

    # s focuses the ticket's status; a assigns the open ticket to me.
    page.locator("main h1").click()
    _press(page, "s")
    expect(page.get_by_test_id("field-status")).to_be_focused()
    _press(page, "Escape")
    page.goto(f"{url}/desk/tickets/{first}/")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")
    _press(page, "a")
    expect(page.get_by_role("alert").filter(has_text=words.updated)).to_be_visible()
    expect(page.get_by_test_id("field-assignee")).to_have_value(str(agent.pk))

    # g i: the inbox.
    _press(page, "g")
    _press(page, "i")
    page.wait_for_url(f"{url}/desk/")

    # Notifications, asked on a click; a colleague's assignment raises one.
    bell = page.get_by_test_id("notify-toggle")
    expect(bell).to_have_attribute("aria-pressed", "false")
    bell.click()
    expect(bell).to_have_attribute("aria-pressed", "true")
    expect(bell).to_have_attribute("title", words.notify_on)
    page.get_by_test_id("sound-toggle").click()
    expect(page.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")

    colleague = new_context(lang).new_page()
    sign_in(colleague, destek_server, people["agent2"])
    colleague.goto(f"{url}/desk/tickets/{third}/")
    colleague.get_by_test_id("field-assignee").select_option(str(agent.pk))
    colleague.get_by_test_id("fields-submit").click()
    expect(colleague.get_by_test_id("field-assignee")).to_have_value(str(agent.pk))
    page.wait_for_function("() => window.__notes.length > 0")
    notes = page.evaluate("() => window.__notes")
    reference = colleague.get_by_test_id("ticket-reference").inner_text()
    assert notes == [{"title": "Destek", "body": words.assigned.format(reference=reference)}]
    shots(page, "notifications-on")

    # The saved view, found again by a link that leaves the defaults out: renamed, deleted.
    page.goto(f"{url}/desk/?q={token.replace(' ', '+')}")
    tab = page.locator("#saved-view-tabs a", has_text=words.view_name)
    expect(tab).to_have_attribute("aria-current", "page")
    page.get_by_test_id("saved-view-edit-toggle").click()
    page.get_by_test_id("saved-view-rename-name").fill(words.view_name + " 2")
    page.get_by_test_id("saved-view-rename-submit").click()
    expect(page.get_by_role("alert").filter(has_text=words.view_renamed)).to_be_visible()
    expect(page.locator("#saved-view-tabs a", has_text=words.view_name + " 2")).to_have_count(1)
    page.get_by_test_id("saved-view-edit-toggle").click()
    page.get_by_test_id("saved-view-delete").click()
    expect(page.get_by_role("alert").filter(has_text=words.view_deleted)).to_be_visible()
    expect(page.locator("#saved-view-tabs a", has_text=words.view_name)).to_have_count(0)
