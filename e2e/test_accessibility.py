"""Issue 16, part 5: accessibility, in Turkish and in English.

axe-core (bundled by axe-playwright-python) runs on every main page (e2e/main_pages.py) as the
person who opens it, and on the chat widget as a visitor on another website sees it (its
pre-chat form, the chat itself, the offline form): no serious or critical violation may be left.
A keyboard test walks the pages from the top: Tab reaches the skip link first, Enter moves the
focus to the main content, and every element the Tab key stops at shows where the focus is.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in
from e2e.main_pages import MAIN_PAGES, MainPage, page_url, resolve_ids

# Pages as drawn (layout, accessibility) do not depend on the database: CI runs these once,
# in its SQLite phase (.ci/run).
pytestmark = [pytest.mark.browser, pytest.mark.layout]

LANGS = ("tr", "en")
BLOCKING = ("serious", "critical")  # axe's impacts the issue allows none of


def blocking_violations(page: Any, context: str | None = None) -> list[str]:
    """axe's serious and critical violations on `page`: rule, where, and what would fix it."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            found.append(f"{violation['id']} ({violation['impact']}) at {node['target']}: "
                         f"{violation['help']}\n    {node.get('failureSummary', '')}")
    return found


class Sessions:
    """Signs each person in once and hands later browser contexts the same session cookie."""

    def __init__(self, server: RunningDestek, people: dict[str, Person]) -> None:
        self.server, self.people = server, people
        self.cookies: dict[str, list[dict[str, Any]]] = {}

    def page_as(self, context: Any, who: str) -> Any:
        page = context.new_page()
        if who == "anonymous":
            return page
        if who in self.cookies:
            context.add_cookies(self.cookies[who])
        else:
            sign_in(page, self.server, self.people[who])
            self.cookies[who] = [c for c in context.cookies()
                                 if c["name"] != "django_language"]
        return page


@pytest.fixture(scope="module")
def sessions(destek_server: RunningDestek, people: dict[str, Person]) -> Sessions:
    return Sessions(destek_server, people)


@pytest.fixture(scope="module")
def ids(destek_server: RunningDestek, people: dict[str, Person]) -> dict[str, str]:
    return resolve_ids(destek_server, people["customer_en"].email)


def _open(page: Any, url: str, lang: str) -> None:
    from playwright.sync_api import expect

    answer = page.goto(url)
    assert answer is not None and answer.ok, (url, answer and answer.status)
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=lambda p: p.name)
def test_main_page_has_no_serious_accessibility_violation(
        destek_server: RunningDestek, sessions: Sessions, ids: dict[str, str],
        new_context: Callable[[str], Any], main_page: MainPage, lang: str) -> None:
    page = sessions.page_as(new_context(lang), main_page.who)
    _open(page, page_url(destek_server, main_page, ids), lang)
    found = blocking_violations(page)
    assert not found, f"{main_page.name} ({lang}):\n" + "\n".join(found)


# --- the keyboard ---------------------------------------------------------------------------

# Where the focus is must show: Chromium's own ring (outline "auto"), Bootstrap's box-shadow
# ring, or an outline of our own.
FOCUS_SHOWN = """() => {
  const el = document.activeElement, s = getComputedStyle(el), r = el.getBoundingClientRect();
  const name = el.innerText || el.value || el.getAttribute("aria-label") || "";
  return {tag: el.tagName.toLowerCase(), text: name.trim().slice(0, 40), id: el.id,
          visible: r.width > 0 && r.height > 0 && s.visibility !== "hidden",
          top: r.top + scrollY,
          ring: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0)
                || s.boxShadow !== "none"};
}"""
TAB_STOPS = 15  # the skip link, the navbar and the start of the main content
ROW_SLACK = 24  # px: items of one row (the navbar's) are not all at the same height


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("who,path", [("anonymous", "/kb/"), ("customer_en", "/portal/"),
                                      ("agent", "/desk/")])
def test_keyboard_reaches_the_skip_link_first_and_the_focus_shows(
        destek_server: RunningDestek, sessions: Sessions, new_context: Callable[[str], Any],
        who: str, path: str, lang: str) -> None:
    from playwright.sync_api import expect

    page = sessions.page_as(new_context(lang), who)
    _open(page, destek_server.url + path, lang)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()  # visually hidden (1 px) until it has the focus
    assert box and box["width"] > 20 and box["height"] > 10, box
    expect(skip).to_have_text({"tr": "Ana içeriğe geç", "en": "Skip to main content"}[lang])
    assert page.evaluate(FOCUS_SHOWN)["ring"], "the skip link shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # From the main content, Tab goes on inside it, not back to the navbar.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')"), "Tab left <main>"

    # From the top again: every stop is visible, shows the focus, and the focus moves down the
    # page as one reads it (never back up to something already passed).
    _open(page, destek_server.url + path, lang)
    previous: dict[str, Any] | None = None
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_SHOWN)
        if stop["tag"] == "body":
            break
        assert stop["visible"] and stop["ring"], f"{path} ({lang}): no visible focus on {stop}"
        assert previous is None or stop["top"] >= previous["top"] - ROW_SLACK, (
            f"{path} ({lang}): the focus went back up from {previous} to {stop}")
        previous = stop


# --- the chat widget, as a visitor on another website sees it ----------------------------------

HOST_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Example Hosting</title></head>
<body><main><h1>Example Hosting</h1><p>{lang}</p></main>
<script src="{server}/chat/widget.js" data-color="{color}" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def widget_host(destek_server: RunningDestek) -> Iterator[str]:
    """Another website: a page with the one <script> tag, on its own port (the allowed origin)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    origin = destek_server.widget_host_origin

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            lang = "tr" if self.path.startswith("/tr") else "en"
            color = parse_qs(urlsplit(self.path).query).get("color", [""])[0]
            body = HOST_PAGE.format(lang=lang, server=destek_server.url,
                                    color=html.escape(color)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", urlsplit(origin).port or 80), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


WIDGET = "#destek-chat"  # the widget's host element (its fields live in its shadow root)


LIGHT_BRAND_COLOUR = "#ffd43b"  # 1.4:1 against white
WIDGET_TITLE = {"tr": "Bize yazın", "en": "Chat with us"}
# The widget's focused element (inside its shadow root) shows an outline.
WIDGET_FOCUS_SHOWN = """() => {
  const el = document.querySelector("#destek-chat").shadowRoot.activeElement;
  const s = el && getComputedStyle(el);
  return !!s && s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
}"""


def _widget_fields_are_labelled(page: Any, *, visible: bool = True) -> None:
    """Every field shown has a <label> of its own, not only a placeholder that goes away as
    soon as one types; `visible`: a label one can see (forms), not only one for screen readers."""
    unlabelled = page.evaluate("""(visible) => {
      const root = document.querySelector("#destek-chat").shadowRoot;
      const shown = (n) => n.getClientRects().length && n.getBoundingClientRect().width > 1;
      const fields = "input:not([type=hidden]):not([type=file]), select, textarea";
      return [...root.querySelectorAll(fields)]
        .filter(shown)
        .filter(f => !(f.labels && f.labels.length && f.labels[0].textContent.trim() &&
                       (!visible || [...f.labels[0].children].some(c => c !== f && shown(c)))))
        .map(f => f.name || f.dataset.testid);
    }""", visible)
    assert not unlabelled, f"fields without a {'visible ' if visible else ''}<label>: {unlabelled}"


def _set_chat_status(page: Any, status: str) -> None:
    with page.expect_response(lambda r: r.url.endswith("/desk/chat/status/")) as answer:
        page.get_by_test_id("chat-status-select").select_option(status)
    assert answer.value.ok


@pytest.mark.parametrize("lang", LANGS)
def test_chat_widget_is_labelled_and_clean(
        destek_server: RunningDestek, sessions: Sessions, widget_host: str,
        new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    # An agent online in the console: visitors get the pre-chat form.
    console = sessions.page_as(new_context(lang), "agent")
    _open(console, destek_server.url + "/desk/chat/", lang)
    _set_chat_status(console, "online")

    shots = Shots(f"accessibility-widget-{lang}")
    visitor = new_context(lang).new_page()
    visitor.goto(f"{widget_host}/{lang}/")
    launcher = visitor.get_by_test_id("chat-launcher")
    expect(launcher).to_be_visible()
    found = blocking_violations(visitor, WIDGET)
    assert not found, f"widget launcher ({lang}):\n" + "\n".join(found)

    # By keyboard: the launcher opens the panel with the focus in its first field; Escape
    # closes it and gives the focus back to the launcher.
    visitor.keyboard.press("Tab")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    visitor.keyboard.press("Enter")
    expect(visitor.get_by_test_id("chat-prechat")).to_be_visible()
    expect(visitor.get_by_test_id("chat-name")).to_be_focused()
    assert visitor.evaluate(WIDGET_FOCUS_SHOWN), "the focused field shows no focus ring"
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(visitor.get_by_role("dialog", name=WIDGET_TITLE[lang])).to_be_visible()
    visitor.keyboard.press("Escape")
    expect(visitor.get_by_test_id("chat-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    launcher.click()
    expect(visitor.get_by_test_id("chat-prechat")).to_be_visible()
    _widget_fields_are_labelled(visitor)
    shots(visitor, "prechat")
    found = blocking_violations(visitor, WIDGET)
    assert not found, f"widget pre-chat form ({lang}):\n" + "\n".join(found)

    # The chat itself.
    visitor.get_by_test_id("chat-name").fill("Ada Lovelace")
    visitor.get_by_test_id("chat-email").fill(f"a11y-{secrets.token_hex(3)}@e2e.destek.test")
    visitor.get_by_test_id("chat-topic").fill("My site is down")
    visitor.get_by_test_id("chat-start").click()
    expect(visitor.get_by_test_id("chat-message").first).to_be_visible()
    _widget_fields_are_labelled(visitor, visible=False)  # the message box: a label for readers
    shots(visitor, "chat")
    found = blocking_violations(visitor, WIDGET)
    assert not found, f"widget chat ({lang}):\n" + "\n".join(found)
    # The agent's side of the same chat: the console with the chat's pane open.
    expect(console.get_by_test_id("chat-pane").first).to_be_visible()
    found = blocking_violations(console)
    assert not found, f"chat console with a chat ({lang}):\n" + "\n".join(found)
    visitor.get_by_test_id("chat-end").click()
    expect(visitor.get_by_test_id("chat-new")).to_be_visible()

    # Nobody online: the offline form, on a website whose brand colour is a light yellow (the
    # widget picks dark words on it, and a darker yellow for links and focus on white).
    _set_chat_status(console, "offline")
    offline = new_context(lang).new_page()
    offline.goto(f"{widget_host}/{lang}/?color={quote(LIGHT_BRAND_COLOUR)}")
    offline.get_by_test_id("chat-launcher").click()
    expect(offline.get_by_test_id("chat-offline")).to_be_visible()
    _widget_fields_are_labelled(offline)
    shots(offline, "offline")
    expect(offline.get_by_test_id("chat-offline-send")).to_have_css("color", "rgb(17, 17, 17)")
    found = blocking_violations(offline, WIDGET)
    assert not found, f"widget offline form ({lang}):\n" + "\n".join(found)
