"""Issue 2's "Done means", end to end, in Turkish and in English.

A customer opens a ticket in the portal (with an attachment) while an agent watches the desk
queue, which shows the ticket without a reload (WebSocket); two agents on the ticket see each
other (presence); the agent replies, the background worker that `destek run` started writes
the customer's notification into the data dir's sent-mail folder; the customer follows the
email's link, reads the reply and answers in the portal; the agent is told live.

Everything runs against the real `destek run` (uvicorn + Celery worker, DEBUG=0) started by
e2e/conftest.py. Screenshots of each step go to test-artifacts/help-desk-<lang>/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in, text_body, wait_for_mail

pytestmark = pytest.mark.browser



@dataclass(frozen=True)
class Words:
    """What each page must say in the flow's language."""

    sign_in: str
    portal_new_title: str
    portal_submit: str
    priority_high: str
    portal_sent: str
    support_team: str
    department: str
    language_name: str
    desk_live: str
    desk_viewing: str
    desk_send: str
    subject: str
    body: str
    agent_reply: str
    customer_reply: str
    mail_subject_prefix: str
    mail_greeting: str
    mail_replied: str


WORDS = {
    "tr": Words(
        sign_in="Giriş Yap", portal_new_title="Yeni talep oluştur", portal_submit="Talebi oluştur",
        priority_high="Yüksek", portal_sent="Yanıtınız gönderildi.", support_team="Destek ekibi",
        department="Teknik destek",
        language_name="Türkçe", desk_live="Canlı", desk_viewing="görüntülüyor",
        desk_send="Yanıtı gönder",
        subject="Web sitem 500 hatası veriyor",
        body="Merhaba, example.com.tr alanım bu sabahtan beri açılmıyor. Ekran görüntüsü ekte.",
        agent_reply="Merhaba, web sunucusunu yeniden başlattık. Şimdi tekrar dener misiniz?",
        customer_reply="Teşekkürler, site artık açılıyor!",
        mail_subject_prefix="Ynt:", mail_greeting="Merhaba", mail_replied="talebinizi yanıtladı",
    ),
    "en": Words(
        sign_in="Sign In", portal_new_title="Open a new ticket", portal_submit="Open ticket",
        priority_high="High", portal_sent="Your reply has been sent.", support_team="Support team",
        department="Technical support",
        language_name="English", desk_live="Live", desk_viewing="is viewing",
        desk_send="Send reply",
        subject="My website shows a 500 error",
        body="Hello, shop.example.com has been down since this morning. Screenshot attached.",
        agent_reply="Hello, we restarted the web server. Could you try again now?",
        customer_reply="Thank you, the site works again!",
        mail_subject_prefix="Re:", mail_greeting="Hello", mail_replied="replied to your ticket",
    ),
}



@pytest.mark.parametrize("lang", ["tr", "en"])
def test_customer_and_agent_help_desk_flow(destek_server: RunningDestek,
                                           people: dict[str, Person],
                                           new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    server = destek_server
    customer, agent, agent2 = people[f"customer_{lang}"], people["agent"], people["agent2"]
    shots = Shots(f"help-desk-{lang}")
    subject = f"{words.subject} #{secrets.token_hex(3)}"

    # --- the agent's queue is open (and live) before the ticket exists -----------------------
    agent_page = new_context(lang).new_page()
    pushes: list[dict[str, Any]] = []

    def on_socket(socket: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str) and payload.startswith("{"):
                pushes.append(json.loads(payload))
        socket.on("framereceived", on_frame)

    agent_page.on("websocket", on_socket)
    sign_in(agent_page, server, agent, title=words.sign_in)
    agent_page.goto(f"{server.url}/desk/?queue=open")
    live = agent_page.get_by_test_id("live-status")
    expect(live).to_have_attribute("data-state", "online")
    expect(live).to_have_text(words.desk_live)
    agent_page.evaluate("window.__notReloaded = true")

    # --- the customer signs in and opens a ticket in the portal --------------------------------
    page = new_context(lang).new_page()
    sign_in(page, server, customer, title=words.sign_in, shots=shots)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_test_id("new-ticket-link").click()
    expect(page.locator("main h1")).to_have_text(words.portal_new_title)
    expect(page.get_by_test_id("new-ticket-submit")).to_have_text(words.portal_submit)
    expect(page.locator("[data-testid=language-form] option[selected]")).to_have_text(
        words.language_name)
    department = page.get_by_test_id("new-ticket-department")
    expect(department.locator("option", has_text=words.department)).to_have_count(1)
    department.select_option(label=words.department)
    page.get_by_test_id("new-ticket-priority").select_option(label=words.priority_high)
    page.get_by_test_id("new-ticket-subject").fill(subject)
    page.get_by_test_id("new-ticket-body").fill(words.body)
    page.get_by_test_id("new-ticket-attachments").set_input_files(
        files=[{"name": "hata-kaydi.txt", "mimeType": "text/plain",
                "buffer": b"500 Internal Server Error\nPHP Fatal error\n"}])
    shots(page, "portal-new-ticket")
    page.get_by_test_id("new-ticket-submit").click()
    page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket_id = int(re.findall(r"/portal/tickets/(\d+)/", page.url)[0])
    reference = page.get_by_test_id("ticket-reference").inner_text().strip()
    expect(page.get_by_test_id("ticket-title")).to_contain_text(subject)
    expect(page.get_by_test_id("ticket-department")).to_have_text(words.department)
    expect(page.get_by_test_id("message-body").first).to_contain_text(words.body)
    expect(page.get_by_test_id("attachment-link")).to_contain_text("hata-kaydi.txt")
    shots(page, "portal-ticket-opened")

    # --- it appears in the agent's queue, pushed over the WebSocket, without a reload ---------
    row = agent_page.get_by_test_id(f"queue-row-{ticket_id}")
    expect(row).to_be_visible()
    expect(row).to_contain_text(subject)
    expect(row).to_contain_text(customer.name)
    assert agent_page.evaluate("window.__notReloaded === true"), "the queue page was reloaded"
    assert any(p.get("type") == "ticket.changed" and p.get("ticket_id") == ticket_id
               for p in pushes), pushes
    shots(agent_page, "desk-queue-live")

    # --- two agents on the ticket see each other ---------------------------------------------
    agent_page.get_by_test_id(f"queue-ref-{ticket_id}").click()
    agent_page.wait_for_url(f"**/desk/tickets/{ticket_id}/")
    expect(agent_page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")
    expect(agent_page.get_by_test_id("ticket-subject")).to_have_text(subject)
    expect(agent_page.get_by_test_id("conversation")).to_contain_text("hata-kaydi.txt")
    # The SLA panel comes in the page itself, not from a request after it loaded.
    expect(agent_page.get_by_test_id("sla-panel-body")).to_be_visible()
    assert agent_page.get_by_test_id("sla-panel").get_attribute("hx-get") is None

    agent2_context = new_context(lang)
    agent2_page = agent2_context.new_page()
    sign_in(agent2_page, server, agent2)
    agent2_page.goto(f"{server.url}/desk/tickets/{ticket_id}/")
    seen_by_first = agent_page.get_by_test_id(f"presence-badge-{agent2.pk}")
    seen_by_second = agent2_page.get_by_test_id(f"presence-badge-{agent.pk}")
    expect(seen_by_first).to_contain_text(agent2.name)
    expect(seen_by_first).to_contain_text(words.desk_viewing)
    expect(seen_by_second).to_contain_text(agent.name)
    expect(seen_by_second).to_contain_text(words.desk_viewing)

    # --- the agent replies; the second agent sees them typing ----------------------------------
    expect(agent_page.get_by_test_id("note-toggle")).not_to_be_checked()
    agent_page.get_by_test_id("reply-body").fill(words.agent_reply)
    expect(seen_by_second).to_have_attribute("data-state", "typing")
    shots(agent2_page, "desk-presence-typing")
    expect(agent_page.get_by_test_id("reply-submit")).to_have_text(words.desk_send)
    shots(agent_page, "desk-ticket-reply")
    agent_page.get_by_test_id("reply-submit").click()
    agent_page.wait_for_load_state()
    expect(agent_page.get_by_test_id("conversation")).to_contain_text(words.agent_reply)
    expect(agent_page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")
    # The reply reloaded the first agent's page; the second agent is still shown, until they go.
    expect(agent_page.get_by_test_id(f"presence-badge-{agent2.pk}")).to_be_visible()
    agent2_context.close()
    expect(agent_page.get_by_test_id(f"presence-badge-{agent2.pk}")).to_have_count(0)

    # --- the worker delivers the customer's email, in the customer's language -----------------
    def is_reply_mail(message: EmailMessage) -> bool:
        return (customer.email in str(message["To"])
                and message["X-Destek-Ticket"] == reference
                and words.agent_reply in text_body(message))

    mail = wait_for_mail(server, is_reply_mail, f"to {customer.email} about {reference}")
    # Django folds a long encoded Subject onto a continuation line; the stdlib parser keeps
    # that line's leading space (mail clients drop it).
    mail_subject = str(mail["Subject"]).strip()
    assert mail_subject.startswith(f"{words.mail_subject_prefix} "), mail_subject
    assert reference in mail_subject and subject in mail_subject, mail_subject
    assert mail["Auto-Submitted"] == "auto-generated"
    body = text_body(mail)
    assert f"{words.mail_greeting} {customer.name}" in body, body
    assert words.mail_replied in body, body
    links = re.findall(re.escape(server.url) + r"/portal/guest/\S+", body)
    assert links, body
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and links[0] in str(html.get_content())  # type: ignore[attr-defined]

    # --- the customer follows the link, reads the answer and replies in the portal ------------
    page.goto(links[0])
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text(words.agent_reply)
    agent_message = page.locator("[data-testid=message][data-author-kind=agent]")
    expect(agent_message).to_contain_text(agent.name)
    expect(agent_message).to_contain_text(words.support_team)
    expect(page.get_by_test_id("ticket-reference")).to_have_text(reference)
    page.get_by_test_id("reply-body").fill(words.customer_reply)
    shots(page, "portal-guest-link-reply")
    pushes.clear()
    page.get_by_test_id("reply-submit").click()
    page.wait_for_load_state()
    expect(conversation).to_contain_text(words.customer_reply)
    expect(page.get_by_role("alert")).to_have_text(words.portal_sent)
    expect(page.locator("[data-testid=message][data-author-kind=customer]")).to_have_count(2)
    shots(page, "portal-after-reply")

    # --- the agent is told live and sees the customer's reply ----------------------------------
    changed = agent_page.get_by_test_id("ticket-changed")
    expect(changed).to_be_visible()
    assert any(p.get("type") == "ticket.changed" and p.get("ticket_id") == ticket_id
               for p in pushes), pushes
    shots(agent_page, "desk-ticket-changed")
    changed.get_by_role("link").click()
    agent_page.wait_for_url(f"**/desk/tickets/{ticket_id}/")
    expect(agent_page.get_by_test_id("conversation")).to_contain_text(words.customer_reply)
    shots(agent_page, "desk-customer-reply")
