"""Phones and small screens (issue 16, part 1): every main page fits a 390 px phone in both
languages, with no horizontal scrolling and nothing cut off at the right edge; at 360 px the
queue shows its rows as cards and the collapsed navbar opens to a readable language selector and
a "Sign out" that works. Screenshots at phone and desktop widths are left in test-artifacts/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in
from e2e.main_pages import MAIN_PAGES, MainPage, page_url, resolve_ids
from e2e.test_live_chat import WORDS as CHAT_WORDS
from e2e.test_live_chat import widget_host  # noqa: F401  (a fixture: other_website)

# Pages as drawn (layout, accessibility) do not depend on the database: CI runs these once,
# in its SQLite phase (.ci/run).
pytestmark = [pytest.mark.browser, pytest.mark.layout]

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
TOUCH_TARGET_PX = 44  # the smallest comfortable tap target (WCAG 2.5.5, Apple's HIG)

# Every visible element that reaches past the viewport's right (or left) edge, outermost first.
# An element is fine if an ancestor clips it (overflow hidden/clip), or if it sits in a box
# meant to scroll sideways on its own: preformatted text, [data-scroll-x], a scrolling box in
# what people wrote (a wide table in an article or a message). Everything else, Settings' lists
# included (they become cards), would be cut off or make the whole page scroll.
OVERFLOWING_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const describe = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    if (el.dataset.testid) text += "[data-testid=" + el.dataset.testid + "]";
    else if (typeof el.className === "string" && el.className.trim())
      text += "." + el.className.trim().split(/\\s+/).slice(0, 3).join(".");
    return text;
  };
  const excused = (el) => {
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === "hidden" || style.overflowX === "clip") return true;
      if (p.tagName === "PRE" || p.hasAttribute("data-scroll-x")) return true;
      if ((style.overflowX === "auto" || style.overflowX === "scroll") &&
          p.closest(".kb-body, .message-body")) return true;
    }
    return false;
  };
  const found = [];
  const reported = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.position === "fixed") continue;
    if (excused(el)) continue;
    let inside = false;
    for (let p = el.parentElement; p && !inside; p = p.parentElement) inside = reported.has(p);
    if (inside) continue;
    reported.add(el);
    found.push(describe(el) + " spans " + Math.round(box.left) + ".." + Math.round(box.right) +
               " px of " + width);
  }
  return found;
}
"""

# Visible buttons, button-like links, tabs and form fields shorter than a fingertip: the main
# controls must be easy to tap on a phone.
SMALL_TARGETS_JS = """
(minimum) => {
  const small = [];
  const controls = "main .btn, main button, main .nav-link, main .form-select, " +
                   "main input.form-control, nav .btn, .navbar-toggler";
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest("[data-touch-exempt]")) continue;
    if (Math.round(box.height) < minimum)
      small.push((el.dataset.testid || el.textContent.trim().slice(0, 30) || el.tagName) +
                 " is " + Math.round(box.width) + "×" + Math.round(box.height));
  }
  return small;
}
"""

_SESSIONS: dict[str, list[dict[str, Any]]] = {}  # person → their session cookies, once


def _open_as(context: Any, server: RunningDestek, people: dict[str, Person], who: str) -> Any:
    """A page of `context` signed in as `who` (a sign-in through the form once per person)."""
    page = context.new_page()
    if who == "anonymous":
        return page
    if who not in _SESSIONS:
        sign_in(page, server, people[who])
        _SESSIONS[who] = [c for c in context.cookies() if c["name"] != "django_language"]
    else:
        context.add_cookies(_SESSIONS[who])
    return page


@dataclass(frozen=True)
class Layout:
    scroll_width: int
    client_width: int
    past_the_edge: list[str]

    @property
    def fits(self) -> bool:
        return self.scroll_width <= self.client_width and not self.past_the_edge

    def __str__(self) -> str:
        return (f"the page is {self.scroll_width} px wide in a {self.client_width} px viewport; "
                f"past the edge: {self.past_the_edge}")


def _layout(page: Any) -> Layout:
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return Layout(scroll_width, client_width, page.evaluate(OVERFLOWING_JS))


def _assert_fits(page: Any, what: str) -> None:
    layout = _layout(page)
    assert layout.fits, f"{what}: {layout}"


# What people really paste: a long address, a wide table, a long command. Run by `destek shell`
# (idempotent): a reply on customer_en's ticket (the page `{ticket}`) and the newest article.
WIDE = (
    "See https://shop.example.com/wp-admin/admin.php?page=wc-settings&tab=checkout&section="
    "stripe&from=small-screens-check and the log below.\n\n"
    "| Time | Request | Status | Upstream | Response time | Worker | Memory |\n"
    "|---|---|---|---|---|---|---|\n"
    "| 03:14:07 | GET /checkout/order-received/12345/ | 500 | php-fpm-pool-www-data-01 |"
    " 30.001 s | worker-0000000001 | 268435456 |\n\n"
    "```\ntail -n 200 /home/shopexample/logs/shop.example.com.error.log | grep -i "
    "'PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted'\n```\n"
)
WIDE_SCRIPT = """
import json
from destek.accounts.models import User
from destek.kb.markdown import render_markdown
from destek.kb.factories import make_article
from destek.kb.models import Article
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel, Ticket
wide = json.loads({wide!r})
html, text = render_markdown(wide)
customer = User.objects.get(email={email!r})
ticket = Ticket.objects.filter(customer=customer).order_by("pk").first()
receive(InboundMessage(channel=Channel.PORTAL, author=customer, external_id="small-screens-wide",
                       subject="My website shows a 500 error since this morning",
                       body_html=html, body_text=text,
                       ticket_id=ticket.pk if ticket else None))
for lang, title in (("en", "Reading a PHP error log"), ("tr", "PHP hata günlüğünü okuma")):
    if not Article.objects.filter(title=title).exists():
        make_article(title=title, body=wide, language=lang)
print("WIDE=ok")
"""


@pytest.fixture(scope="module")
def ids(destek_server: RunningDestek, people: dict[str, Person]) -> dict[str, str]:
    out = destek_server.destek("shell", "-v", "0", "-c", WIDE_SCRIPT.format(
        wide=json.dumps(WIDE), email=people["customer_en"].email))
    assert "WIDE=ok" in out, out
    return resolve_ids(destek_server, people["customer_en"].email)


@pytest.mark.parametrize("lang", ["tr", "en"])
@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=[p.name for p in MAIN_PAGES])
def test_main_page_fits_a_phone(destek_server: RunningDestek, people: dict[str, Person],
                                new_context: Callable[[str], Any], ids: dict[str, str],
                                main_page: MainPage, lang: str) -> None:
    context = new_context(lang)
    page = _open_as(context, destek_server, people, main_page.who)
    page.set_viewport_size(PHONE)
    response = page.goto(page_url(destek_server, main_page, ids))
    assert response is not None and response.status == 200, f"{main_page.name}: {response}"
    page.wait_for_load_state("networkidle")
    shots = Shots(f"screens-{lang}/{main_page.name}")
    shots(page, "phone-390")
    phone = _layout(page)
    small = page.evaluate(SMALL_TARGETS_JS, TOUCH_TARGET_PX)
    page.set_viewport_size(SMALL_PHONE)
    page.wait_for_timeout(100)  # one layout after the resize
    small_phone = _layout(page)
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(100)
    shots(page, "desktop-1280")
    desktop = _layout(page)

    assert phone.fits, f"{main_page.name} ({lang}) at 390 px: {phone}"
    assert small_phone.fits, f"{main_page.name} ({lang}) at 360 px: {small_phone}"
    assert not small, f"{main_page.name} ({lang}): controls too small to tap at 390 px: {small}"
    assert desktop.fits, f"{main_page.name} ({lang}) at 1280 px: {desktop}"


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_queue_and_navbar_at_360_px(destek_server: RunningDestek, people: dict[str, Person],
                                    new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    shots = Shots(f"small-phone-queue-{lang}")
    page = new_context(lang).new_page()
    page.set_viewport_size(SMALL_PHONE)
    sign_in(page, destek_server, people["agent"])  # its own session: this test signs out
    page.goto(destek_server.url + "/desk/?queue=all")
    page.wait_for_load_state("networkidle")
    _assert_fits(page, f"the queue ({lang}) at 360 px")

    # Each row is a card: the header row is gone and every field shows its label.
    expect(page.get_by_test_id("queue-table").locator("thead")).to_be_hidden()
    rows = page.locator("[data-testid=queue-body] > tr[data-ticket-id]")
    expect(rows.first).to_be_visible()
    for index in range(min(rows.count(), 5)):
        row = rows.nth(index)
        ticket_id = row.get_attribute("data-ticket-id")
        for field in ("priority", "status", "sla"):
            cell = page.get_by_test_id(f"queue-{field}-{ticket_id}")
            if field == "sla" and not cell.evaluate("cell => cell.childElementCount"):
                continue  # a ticket without an SLA clock
            cell.scroll_into_view_if_needed()
            expect(cell).to_be_in_viewport()
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, (
                f"row {index}: {field} is not within the screen: {box}")
        expect(page.get_by_test_id(f"queue-status-{ticket_id}").locator(".badge")).to_be_visible()
        expect(page.get_by_test_id(f"queue-priority-{ticket_id}").locator(".badge")).to_be_visible()
    # The demo data has tickets under an SLA clock: their deadline shows on the card.
    sla_cells = page.locator("[data-testid=queue-body] td[data-testid^=queue-sla-]")
    expect(sla_cells.locator(":is(time, span)").first).to_be_visible()
    labels = sla_cells.evaluate_all(
        """(cells) => cells.map(c => getComputedStyle(c, "::before").content)""")
    assert all(label not in ("none", "normal", '""') for label in labels), (
        f"the SLA field has no label on the card: {labels}")
    shots(page, "queue-cards-360")

    # The filters wait behind a button, so the tickets come first; a tap opens them.
    search = page.get_by_test_id("queue-search")
    expect(search).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    first_card = rows.first.bounding_box()
    assert first_card is not None and first_card["y"] < SMALL_PHONE["height"], first_card
    page.get_by_test_id("queue-filters-toggle").click()
    expect(search).to_be_visible()
    search.fill("T-1")
    # Opened (Bootstrap's "collapsing" animation over: the buttons stay where they are).
    expect(page.get_by_test_id("queue-filters")).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))
    page.get_by_test_id("filter-submit").click()
    page.wait_for_url(lambda url: "q=T-1" in url)
    expect(search).to_be_visible()  # a filtered queue shows what it is filtered by
    expect(search).to_have_value("T-1")
    _assert_fits(page, f"the queue with its filters open ({lang}) at 360 px")

    # The navbar: collapsed behind its button, which opens it to every control.
    nav_toggle = page.get_by_test_id("nav-toggle")
    expect(nav_toggle).to_be_visible()
    sign_out = page.get_by_test_id("sign-out")
    expect(sign_out).to_be_hidden()
    nav_toggle.click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))
    page.get_by_test_id("user-menu").click()  # the person's menu: Security, Sign out
    expect(sign_out).to_be_visible()
    expect(sign_out).to_be_in_viewport(ratio=1)
    language = page.locator("select.language-select")
    expect(language).to_be_visible()
    readable = {"tr": "Türkçe", "en": "English"}[lang]
    room, needed = language.evaluate(
        """(select) => {
             const style = getComputedStyle(select);
             const room = select.clientWidth - parseFloat(style.paddingLeft)
                          - parseFloat(style.paddingRight);
             const context = document.createElement("canvas").getContext("2d");
             context.font = style.font;
             return [room, context.measureText(select.options[select.selectedIndex].text).width];
           }""")
    assert room >= needed, f"the language selector has {room} px for '{readable}' ({needed} px)"
    expect(language.locator("option:checked")).to_have_text(readable)
    _assert_fits(page, f"the open navbar ({lang}) at 360 px")
    shots(page, "navbar-open-360")
    assert (sign_out.bounding_box() or {}).get("height", 0) >= TOUCH_TARGET_PX
    sign_out.click()
    page.wait_for_url(lambda url: "/desk/" not in url)  # the sign-out's redirect, then:
    page.goto(destek_server.url + "/desk/")
    page.wait_for_url(lambda url: "/accounts/login/" in url)  # signed out


def _start_chat(context: Any, host: str, lang: str, name: str) -> Any:
    """A visitor on a phone opens the widget on another website and starts a chat."""
    from playwright.sync_api import expect

    words = CHAT_WORDS[lang]
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{host}/{lang}/")
    page.get_by_test_id("chat-launcher").click()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()
    page.get_by_test_id("chat-name").fill(name)
    page.get_by_test_id("chat-email").fill(f"{name.split()[0].lower()}-{lang}@e2e.destek.test")
    prechat = page.get_by_test_id("chat-prechat")
    prechat.locator("select[name=department]").select_option(label=words.department)
    page.get_by_test_id("chat-topic").fill(words.topic)
    page.get_by_test_id("chat-start").click()
    return page


def _chat_settings(console: Any, *, max_chats: str, status: str) -> None:
    """The console's status form, as the agent changes it (each change is saved at once)."""
    max_input, select = console.locator("#chat-max"), console.get_by_test_id("chat-status-select")
    for changed, change in ((max_input.input_value() != max_chats,
                             lambda: (max_input.fill(max_chats), max_input.press("Tab"))),
                            (select.input_value() != status, lambda: select.select_option(status))):
        if changed:
            with console.expect_response(lambda r: r.url.endswith("/desk/chat/status/")) as saved:
                change()
            assert saved.value.ok


@pytest.fixture(scope="module")
def other_website(request: pytest.FixtureRequest) -> str:
    """The hosting company's own website, where the chat widget runs (test_live_chat.py)."""
    return str(request.getfixturevalue("widget_host"))


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_chat_console_on_a_phone(destek_server: RunningDestek, people: dict[str, Person],
                                 other_website: str, new_context: Callable[[str], Any],
                                 lang: str) -> None:
    """At 390 px an on-call agent answers the chat routed to them, takes a waiting one from the
    list, and works in both: each chat's log and details stack, nothing leaves the screen."""
    from playwright.sync_api import expect

    shots = Shots(f"small-phone-chat-{lang}")
    console = new_context(lang).new_page()
    console.set_viewport_size(PHONE)
    agent = people["agent"]  # in the demo data's departments, where the chats go
    sign_in(console, destek_server, agent)
    console.goto(destek_server.url + "/desk/chat/")
    # Online, one chat at a time: the second visitor waits in the list.
    _chat_settings(console, max_chats="1", status="online")
    expect(console.get_by_test_id("chat-live")).to_have_class(re.compile("text-bg-success"))

    first = _start_chat(new_context(lang), other_website, lang, "Ali Veli")
    panes = console.get_by_test_id("chat-pane")
    first_pane = panes.filter(has_text=f"ali-{lang}@")
    expect(first_pane).to_be_visible()  # routed to the agent: it opens by itself
    expect(first.get_by_test_id("chat-status")).to_contain_text(agent.name)
    _assert_fits(first, f"the chat widget ({lang}) at 390 px")
    second = _start_chat(new_context(lang), other_website, lang, "Can Yücel")
    waiting = console.get_by_test_id("chat-waiting-row").filter(has_text="Can Yücel")
    expect(waiting).to_be_visible()
    _assert_fits(console, f"the chat console with a waiting chat ({lang}) at 390 px")
    shots(console, "console-waiting")

    take = waiting.get_by_test_id("chat-pick")
    assert (take.bounding_box() or {}).get("height", 0) >= TOUCH_TARGET_PX
    take.click()
    pane = panes.filter(has_text=f"can-{lang}@")
    expect(pane).to_be_visible()
    # The log and the details stack: the details start below the log, both full width.
    log_box, side_box = pane.locator(".chat-pane-column").evaluate_all(  # in one layout
        "columns => columns.map(c => c.getBoundingClientRect().toJSON())")
    assert side_box["top"] >= log_box["bottom"] - 1, (log_box, side_box)
    assert log_box["width"] >= PHONE["width"] - 80, log_box
    reply = pane.get_by_test_id("chat-reply")
    reply.fill(CHAT_WORDS[lang].answer)
    send = pane.get_by_test_id("chat-reply-send")
    assert (send.bounding_box() or {}).get("height", 0) >= TOUCH_TARGET_PX
    send.click()
    expect(second.get_by_test_id("chat-message").filter(
        has_text=CHAT_WORDS[lang].answer)).to_have_count(1)
    pane.scroll_into_view_if_needed()
    _assert_fits(console, f"the chat console with two chats ({lang}) at 390 px")
    small = console.evaluate(SMALL_TARGETS_JS, TOUCH_TARGET_PX)
    assert not small, f"the chat console ({lang}): controls too small to tap: {small}"
    shots(console, "console-two-chats")
    shots(second, "widget")

    for chat_pane in (first_pane, pane):  # the agent ends both chats, free for the next run
        chat_pane.locator(".chat-end").click()
        expect(chat_pane.locator(".chat-state")).to_have_text(CHAT_WORDS[lang].state_ended)
    _chat_settings(console, max_chats="3", status="offline")
