"""Issue 19's macros end to end, in Turkish and in English: an agent applies a macro from the
keyboard (m, type to filter, Enter) that replies, tags and leaves the ticket pending; the
ticket shows all of it with "Rule applied" in its history, and the customer's email arrives.

Against the real `destek run` (e2e/conftest.py). Screenshots: test-artifacts/macros-<lang>/.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in, text_body, wait_for_mail

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Words:
    macro: str
    reply: str
    note: str
    applied: str  # "{title}" filled in
    pending: str
    rule_applied: str
    shortcut: str


WORDS = {
    "tr": Words(macro="Alan adını sor", reply="Merhaba {customer_name}, hangi alan adı?",
                note="Alan adı soruldu.", applied="“{title}” makrosu uygulandı.",
                pending="Müşteri yanıtı bekleniyor", rule_applied="Kural uygulandı",
                shortcut="Makro uygula"),
    "en": Words(macro="Ask for the domain", reply="Hello {customer_name}, which domain?",
                note="Asked for the domain.", applied="Macro “{title}” applied.",
                pending="Pending customer", rule_applied="Rule applied",
                shortcut="Apply a macro"),
}

# A ticket of the customer's in Billing (nobody is assigned automatically).
TICKET_SCRIPT = """
import json
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
customer = User.objects.get(pk={customer})
billing = Department.objects.get(name="Billing")
ticket = receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                department_id=billing.pk, subject={subject!r},
                                body_text="Sitem açılmıyor / my site is down")).ticket
print("TICKET=" + json.dumps([ticket.pk, ticket.reference]))
"""


def _ticket(server: RunningDestek, customer: Person, subject: str) -> tuple[int, str]:
    out = server.destek("shell", "-v", "0", "-c",
                        TICKET_SCRIPT.format(customer=customer.pk, subject=subject))
    line = next(x for x in out.splitlines() if x.startswith("TICKET="))
    ticket_id, reference = json.loads(line.removeprefix("TICKET="))
    return int(ticket_id), str(reference)


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_a_macro_by_keyboard_replies_tags_and_pends(destek_server: RunningDestek,
                                                    people: dict[str, Person],
                                                    new_context: Any, lang: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    shots = Shots(f"macros-{lang}")
    token = secrets.token_hex(3)
    customer = people[f"customer_{lang}"]
    title = f"{words.macro} {token}"
    tag = f"needs-domain-{token}"
    ticket_id, reference = _ticket(destek_server, customer, f"Macro {token}")
    reply_text = words.reply.format(customer_name=customer.name) + f" ({token})"

    # An administrator writes the macro in Settings → Canned responses (a title and a tag no
    # other test uses: the server is shared); the list says what it does.
    admin = new_context(lang).new_page()
    sign_in(admin, destek_server, people["admin"])
    admin.goto(f"{destek_server.url}/desk/settings/canned/new/")
    admin.get_by_test_id("canned-title").fill(title)
    admin.get_by_test_id("canned-body").fill(words.reply + f" ({token})")
    admin.get_by_test_id("canned-set_status").select_option("pending")
    admin.get_by_test_id("canned-add_tags").fill(tag)
    admin.get_by_test_id("canned-note").fill(words.note)
    shots(admin, "settings-macro")
    admin.get_by_test_id("canned-save").click()
    row = admin.get_by_test_id("canned-shared").locator("tr", has_text=title)
    expect(row.get_by_test_id("canned-actions")).to_contain_text(tag)
    expect(row.get_by_test_id("canned-usage")).to_have_text("0")

    page = new_context(lang).new_page()
    sign_in(page, destek_server, people["agent"])
    page.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")

    # The cheat sheet lists m.
    page.keyboard.press("?")
    sheet = page.get_by_test_id("keys-help")
    expect(sheet.locator("tr", has_text=words.shortcut).locator("kbd")).to_have_text("m")
    expect(sheet).to_be_focused()
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    # m opens the picker with its filter focused; typing narrows it to this macro, whose
    # preview shows the reply filled in and what it will do.
    page.keyboard.press("m")
    picker = page.get_by_test_id("macro-picker")
    expect(picker).to_have_attribute("open", "")
    expect(page.get_by_test_id("macro-filter")).to_be_focused()
    page.keyboard.type(token)
    items = picker.locator("[data-testid=macro-item]:visible")
    expect(items).to_have_count(1)
    expect(items.get_by_test_id("macro-title")).to_have_text(title)
    expect(items.get_by_test_id("macro-body")).to_have_value(reply_text)
    expect(items.get_by_test_id("macro-actions")).to_contain_text(tag)
    expect(items.get_by_test_id("macro-actions")).to_contain_text(words.pending)
    shots(page, "picker-filtered")

    # Enter applies it: the reply, the tag and pending, in one step.
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text=words.applied.format(title=title))
           ).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_have_text(words.pending)
    expect(page.get_by_test_id("conversation")).to_contain_text(reply_text)
    expect(page.get_by_test_id("conversation")).to_contain_text(words.note)
    expect(page.locator(".badge", has_text=tag)).to_have_count(1)
    # (The shipped urgent-keywords trigger may have fired on the ticket too: its own line.)
    rule = page.get_by_test_id("history").get_by_test_id("event-automation").filter(
        has_text=title)
    expect(rule).to_contain_text(words.rule_applied)
    expect(rule).to_contain_text(title)
    shots(page, "applied")

    # The customer's email: the reply, not the internal note.
    def is_reply(message: EmailMessage) -> bool:
        return (customer.email in str(message["To"])
                and message["X-Destek-Ticket"] == reference
                and reply_text in text_body(message))

    mail = wait_for_mail(destek_server, is_reply, f"to {customer.email} about {reference}")
    body = text_body(mail)
    assert reply_text in body
    assert words.note not in body

    # Counted in Settings.
    admin.reload()
    expect(row.get_by_test_id("canned-usage")).to_have_text("1")
