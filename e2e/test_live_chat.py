"""Issue 6 (live chat), end to end, in English and in Turkish.

A customer on ANOTHER website (a static page served from a second local port, whose origin is
in the server's DESTEK_CHAT_ALLOWED_ORIGINS) chats through the real widget with an agent in the
real desk console (/desk/chat/): pre-chat form, routing to the online agent, messages both
ways, typing indicators, read receipts; then the customer's network goes away
(`context.set_offline`), the customer writes while offline and the agent writes meanwhile:
back online, every message arrives exactly once and in order. The agent turns the chat into
a ticket (the ticket has the transcript), the customer ends the chat and the transcript email
lands in the data dir's sent-mail folder (written by the worker `destek run` started).

Screenshots of each step go to test-artifacts/live-chat-<lang>/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in, text_body, wait_for_mail

pytestmark = pytest.mark.browser


HOST_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Example Hosting</title>
<style>body{{font-family:sans-serif;margin:0}}header{{background:#123;color:#fff;padding:16px 24px}}
main{{padding:24px;max-width:720px}}</style></head>
<body><header><strong>Example Hosting</strong></header>
<main><h1>{heading}</h1><p>{text}</p></main>
<script src="{server}/chat/widget.js" async></script>
</body></html>
"""


@dataclass(frozen=True)
class Words:
    heading: str
    text: str
    launcher: str
    title: str
    start: str
    department: str
    connected: str  # with the agent's name
    agent_typing: str
    seen: str
    sending: str
    ended: str
    state_ended: str
    console_title: str
    customer_typing: str
    online: str
    ticket_made: str  # "…{reference}…"
    mail_subject: str
    topic: str
    article: str  # a public knowledge-base article the topic should bring up
    suggestions: str
    hello: str
    answer: str
    offline_message: str
    meanwhile: tuple[str, str, str]
    thanks: str


WORDS = {
    "en": Words(
        heading="Web hosting plans", text="Fast SSD hosting with free SSL.",
        launcher="Chat", title="Chat with us", start="Start chat",
        department="Technical support", connected="You are chatting with {name}.",
        agent_typing="{name} is typing…", seen="Seen", sending="Sending…",
        ended="The chat has ended.", state_ended="Ended", console_title="Live chat",
        customer_typing="The customer is typing…", online="Online",
        ticket_made="Ticket {reference} has the transcript.",
        mail_subject="Your chat with",
        topic="My WordPress site is slow",
        article="Speed up a slow WordPress site", suggestions="These articles may help:",
        hello="Hello, shop.example.com takes 10 seconds to load.",
        answer="Hello! I am checking your server's load now.",
        offline_message="I am on the train, the connection comes and goes.",
        meanwhile=("The PHP workers were all busy.", "I raised the limit from 4 to 8.",
                   "Please try the site again."),
        thanks="It loads in a second now, thank you!",
    ),
    "tr": Words(
        heading="Web hosting paketleri", text="Ücretsiz SSL ile hızlı SSD hosting.",
        launcher="Sohbet", title="Bize yazın", start="Sohbeti başlat",
        department="Teknik destek", connected="{name} ile görüşüyorsunuz.",
        agent_typing="{name} yazıyor…", seen="Görüldü", sending="Gönderiliyor…",
        ended="Sohbet sona erdi.", state_ended="Sona erdi", console_title="Canlı destek",
        customer_typing="Müşteri yazıyor…", online="Çevrimiçi",
        ticket_made="{reference} numaralı talep sohbet dökümünü içeriyor.",
        mail_subject="canlı destek görüşmeniz",
        topic="WordPress sitem çok yavaş",
        article="Yavaş bir WordPress sitesini hızlandırma",
        suggestions="Bu makaleler yardımcı olabilir:",
        hello="Merhaba, magaza.example.com.tr açılması 10 saniye sürüyor.",
        answer="Merhaba! Sunucunuzun yükünü hemen kontrol ediyorum.",
        offline_message="Trendeyim, bağlantım gidip geliyor.",
        meanwhile=("PHP işçilerinin hepsi meşguldü.", "Sınırı 4'ten 8'e çıkardım.",
                   "Siteyi tekrar dener misiniz?"),
        thanks="Şimdi bir saniyede açılıyor, teşekkürler!",
    ),
}


@pytest.fixture(scope="module")
def widget_host(destek_server: RunningDestek) -> Iterator[str]:
    """Another website: a static page with the one <script> tag, on its own port."""
    origin = destek_server.widget_host_origin
    assert origin, "e2e/conftest.py gives the server an allowed chat origin"

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            lang = "tr" if self.path.startswith("/tr") else "en"
            words = WORDS[lang]
            body = HOST_PAGE.format(lang=lang, heading=words.heading, text=words.text,
                                    server=destek_server.url).encode()
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


# Run by `destek shell`: a public article per language and, matching the same words, ones
# visitors must never be offered (signed-in customers only, agents only).
ARTICLES_SCRIPT = """
import json
from destek.kb.factories import make_article
from destek.kb.models import Article, Audience
for lang, title in json.loads({spec!r}):
    if not Article.objects.filter(title=title).exists():
        body = "WordPress yavaş slow cache PHP OPcache " * 3
        make_article(title=title, body=body, language=lang)
        make_article(title=title + " (customers)", body=body, language=lang,
                     audience=Audience.CUSTOMERS)
        make_article(title=title + " (internal)", body=body, language=lang,
                     audience=Audience.INTERNAL)
print("ARTICLES=ok")
"""


@pytest.fixture(scope="module")
def kb_articles(destek_server: RunningDestek) -> None:
    spec = json.dumps([[lang, words.article] for lang, words in WORDS.items()])
    out = destek_server.destek("shell", "-v", "0", "-c", ARTICLES_SCRIPT.format(spec=spec))
    assert "ARTICLES=ok" in out, out



@pytest.mark.parametrize("lang", ["en", "tr"])
def test_customer_on_another_website_chats_with_an_agent(
        destek_server: RunningDestek, people: dict[str, Person], widget_host: str,
        kb_articles: None, new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    server, words, agent = destek_server, WORDS[lang], people["agent"]
    shots = Shots(f"live-chat-{lang}")
    visitor_name = "Ayşe Demir" if lang == "tr" else "Jane Doe"
    visitor_email = f"visitor-{lang}-{secrets.token_hex(3)}@e2e.destek.test"

    # --- the agent opens the console and goes online --------------------------------------------
    agent_page = new_context(lang).new_page()
    sign_in(agent_page, server, agent)
    agent_page.get_by_test_id("nav-live-chat").click()
    agent_page.wait_for_url("**/desk/chat/")
    expect(agent_page.locator("main h1, h1").first).to_have_text(words.console_title)
    expect(agent_page.get_by_test_id("chat-live")).to_have_class(re.compile("text-bg-success"))
    status_select = agent_page.get_by_test_id("chat-status-select")
    expect(status_select.locator("option[value=online]")).to_have_text(words.online)
    with agent_page.expect_response(lambda r: r.url.endswith("/desk/chat/status/")) as answer:
        status_select.select_option("online")
    assert answer.value.ok

    # --- the customer, on the hosting company's own website, opens the widget -----------------
    customer_context = new_context(lang)
    page = customer_context.new_page()
    page.goto(f"{widget_host}/{lang}/")
    launcher = page.get_by_test_id("chat-launcher")
    expect(launcher).to_have_text(words.launcher)
    launcher.click()
    panel = page.get_by_test_id("chat-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(words.title)
    prechat = page.get_by_test_id("chat-prechat")
    expect(page.get_by_test_id("chat-start")).to_have_text(words.start)
    page.get_by_test_id("chat-name").fill(visitor_name)
    page.get_by_test_id("chat-email").fill(visitor_email)
    prechat.locator("select[name=department]").select_option(label=words.department)
    page.get_by_test_id("chat-topic").fill(words.topic)
    # The knowledge base answers while they type: public articles only, opened on Destek.
    suggestion = page.get_by_test_id("chat-suggestion")
    expect(suggestion).to_have_text([words.article])
    expect(page.get_by_test_id("chat-suggestions")).to_contain_text(words.suggestions)
    assert (suggestion.get_attribute("href") or "").startswith(f"{server.url}/kb/{lang}/")
    shots(page, "widget-prechat")
    page.get_by_test_id("chat-start").click()

    # --- routed to the online agent: the console opens the chat by itself ---------------------
    status = page.get_by_test_id("chat-status")
    expect(status).to_have_text(words.connected.format(name=agent.name))
    pane = agent_page.get_by_test_id("chat-pane").filter(has_text=visitor_email)
    expect(pane).to_be_visible()
    expect(pane.locator(".chat-name")).to_contain_text(visitor_name)
    log = pane.get_by_test_id("chat-log")
    expect(log.locator("[data-side=visitor]", has_text=words.topic)).to_have_count(1)
    conversation_id = int(pane.get_attribute("data-conversation") or 0)
    assert conversation_id

    # --- messages both ways, typing indicators, read receipts ----------------------------------
    chat_input = page.get_by_test_id("chat-input")
    chat_input.press_sequentially(words.hello[:12])
    typing_in_console = pane.get_by_test_id("chat-typing")
    expect(typing_in_console).to_have_text(words.customer_typing)
    chat_input.fill(words.hello)
    chat_input.press("Enter")
    expect(log.locator("[data-side=visitor]", has_text=words.hello)).to_have_count(1)
    # The console has shown it: the customer sees "Seen" under their message.
    mine = page.get_by_test_id("chat-message").filter(has_text=words.hello)
    expect(mine.get_by_test_id("chat-seen")).to_have_text(words.seen)

    reply = pane.get_by_test_id("chat-reply")
    reply.press_sequentially(words.answer[:10])
    agent_typing = page.get_by_test_id("chat-typing")
    expect(agent_typing).to_have_text(words.agent_typing.format(name=agent.name))
    shots(page, "widget-agent-typing")
    reply.fill(words.answer)
    reply.press("Enter")
    answer_in_widget = page.get_by_test_id("chat-message").filter(has_text=words.answer)
    expect(answer_in_widget).to_have_count(1)
    expect(answer_in_widget).to_contain_text(agent.name)
    expect(agent_typing).to_have_text("")  # sending ends "typing"
    # The widget is open and visible: the agent sees that the customer read the answer.
    expect(pane.get_by_test_id("chat-seen")).to_have_text(words.seen)
    shots(agent_page, "console-chat")
    shots(page, "widget-chat")

    # --- the customer's network goes away ------------------------------------------------------
    customer_context.set_offline(True)
    expect(status).to_contain_text("…")  # "reconnecting"
    chat_input.fill(words.offline_message)
    chat_input.press("Enter")
    pending = page.get_by_test_id("chat-pending").filter(has_text=words.offline_message)
    expect(pending).to_contain_text(words.sending)
    for text in words.meanwhile:
        reply.fill(text)
        reply.press("Enter")
        expect(log.locator("[data-side=agent]", has_text=text)).to_have_count(1)
    # Nothing crossed while offline (the widget knows it is offline and does not pretend).
    expect(log.locator("[data-side=visitor]", has_text=words.offline_message)).to_have_count(0)
    expect(page.get_by_test_id("chat-message").filter(has_text=words.meanwhile[0])).to_have_count(0)
    shots(page, "widget-offline")

    # --- back online: everything arrives exactly once and in order ----------------------------
    customer_context.set_offline(False)
    expect(log.locator("[data-side=visitor]", has_text=words.offline_message)).to_have_count(1)
    for text in words.meanwhile:
        expect(page.get_by_test_id("chat-message").filter(has_text=text)).to_have_count(1)
    expect(pending).to_have_count(0)
    expect(status).to_have_text(words.connected.format(name=agent.name))
    # A last round trip after the resume: anything resent would have arrived before it.
    chat_input.fill(words.thanks)
    chat_input.press("Enter")
    expect(log.locator("[data-side=visitor]", has_text=words.thanks)).to_have_count(1)
    # Server order (seq): the offline message was stored after the agent's three.
    expected = [words.topic, words.hello, words.answer, *words.meanwhile, words.offline_message,
                words.thanks]
    in_widget = page.get_by_test_id("chat-message").all_inner_texts()
    for text in expected:
        assert sum(text in shown for shown in in_widget) == 1, (text, in_widget)
        expect(log.locator("[data-testid=chat-line]", has_text=text)).to_have_count(1)
    order = [next(i for i, shown in enumerate(in_widget) if text in shown) for text in expected]
    assert order == sorted(order), in_widget
    # The database is the truth: the transcript page shows each message once.
    transcript_page = agent_page.context.new_page()
    transcript_page.goto(f"{server.url}/desk/chat/{conversation_id}/")
    transcript = transcript_page.get_by_test_id("chat-transcript")
    expect(transcript).to_contain_text(words.thanks)
    lines = transcript.inner_text()
    assert [lines.count(text) for text in expected] == [1] * len(expected), lines
    order = [lines.index(text) for text in expected]
    assert order == sorted(order), lines
    transcript_page.close()
    shots(page, "widget-back-online")

    # --- the agent turns the chat into a ticket, with the transcript --------------------------
    pane.get_by_test_id("chat-to-ticket").click()
    made = pane.get_by_test_id("chat-result")
    expect(made).to_have_text(re.compile(
        re.escape(words.ticket_made).replace(re.escape("{reference}"), r"\S+")))
    ticket_link = pane.get_by_test_id("chat-ticket-link")
    expect(ticket_link).to_be_visible()
    ticket_url = ticket_link.get_attribute("href") or ""
    assert re.fullmatch(r"/desk/tickets/\d+/", ticket_url), ticket_url
    shots(agent_page, "console-ticket")
    ticket_page = agent_page.context.new_page()
    ticket_page.goto(f"{server.url}{ticket_url}")
    conversation = ticket_page.get_by_test_id("conversation")
    for text in expected:
        expect(conversation).to_contain_text(text)
    expect(ticket_page.get_by_test_id("ticket-subject")).to_have_text(words.topic)
    ticket_page.close()

    # --- the customer ends the chat; the transcript is emailed ----------------------------------
    page.get_by_test_id("chat-end").click()
    expect(status).to_have_text(words.ended)
    expect(pane.locator(".chat-state")).to_have_text(words.state_ended)
    expect(page.get_by_test_id("chat-new")).to_be_visible()
    shots(page, "widget-ended")

    # --- the visitor rates the chat (feedback): an answer, a comment, sent across origins -----
    page.get_by_test_id("chat-rating-5").check()
    page.get_by_test_id("chat-rating-comment").fill("Quick and kind.")
    page.get_by_test_id("chat-rating-send").click()
    expect(page.get_by_test_id("chat-rating-thanks")).to_be_visible()
    shots(page, "widget-rated")

    def is_transcript(message: EmailMessage) -> bool:
        return (visitor_email in str(message["To"])
                and words.mail_subject in str(message["Subject"]))

    mail = wait_for_mail(server, is_transcript, f"with the transcript to {visitor_email}")
    assert mail["Auto-Submitted"] == "auto-generated"
    body = text_body(mail)
    for text in expected:
        assert body.count(text) == 1, (text, body)
    order = [body.index(text) for text in expected]
    assert order == sorted(order), body
