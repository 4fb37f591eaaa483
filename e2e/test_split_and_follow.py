"""Issue 16, part 3, "split and follow work", end to end in Turkish and in English.

An agent ticks two messages of a customer's ticket and splits them into a new ticket whose
subject they edit; both tickets' histories say which messages moved where. A second agent
follows the original ticket; when the customer replies, the worker of the real `destek run`
writes the follower's email into the sent-mail folder, in the follower's language, and their
open desk shows a live alert. The first agent then @mentions the second in an internal note,
picked from the autocomplete: highlighted, and the second agent is told live. Last, merging
the split-off ticket back asks for confirmation on a page showing both tickets.

Screenshots go to test-artifacts/split-follow-<lang>/ (git-ignored).
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

# Run by `destek shell`: a ticket of the customer's with three messages, through the funnel;
# the follower speaks the test's language.
SETUP_SCRIPT = """
import json
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
customer = User.objects.get(pk={customer})
User.objects.filter(pk={follower}).update(language={lang!r})
department = Department.objects.order_by("pk").first()
bodies = json.loads({bodies!r})
first = receive(InboundMessage(channel=Channel.PORTAL, author=customer, subject={subject!r},
                               department_id=department.pk, body_text=bodies[0]))
ids = [first.message.pk]
for body in bodies[1:]:
    ids.append(receive(InboundMessage(channel=Channel.PORTAL, author=customer,
                                      ticket_id=first.ticket.pk, body_text=body)).message.pk)
print("SETUP=" + json.dumps({{"ticket": first.ticket.pk, "messages": ids}}))
"""


@dataclass(frozen=True)
class Words:
    subject: str
    bodies: tuple[str, str, str]
    new_subject: str
    split_in: str  # the new ticket's history
    split_out: str  # the original's
    follow: str
    unfollow: str
    customer_reply: str
    mail_subject: str
    mail_body: str
    live_reply: str
    live_mention: str
    note: str


WORDS = {
    "tr": Words(
        subject="Sitem ve e-postam çalışmıyor",
        bodies=("Merhaba, web sitem açılmıyor.", "Bir de e-posta kutum doldu.",
                "E-posta kotamı artırabilir misiniz?"),
        new_subject="E-posta kutusu dolu",
        split_in="talebinden ayrıldı", split_out="numaralı mesajlar yeni talep",
        follow="Takip et", unfollow="Takibi bırak",
        customer_reply="Site hâlâ açılmıyor!",
        mail_subject="Takip ettiğiniz talep", mail_body="takip ettiğiniz",
        live_reply="takip ettiğiniz talebe müşteri yanıt verdi",
        live_mention="bir iç notta sizden bahsedildi",
        note="bu konuya bakar mısın?",
    ),
    "en": Words(
        subject="My site and my email are down",
        bodies=("Hello, my website does not open.", "Also, my mailbox is full.",
                "Could you raise my mail quota?"),
        new_subject="Mailbox is full",
        split_in="Split from", split_out="moved to the new ticket",
        follow="Follow", unfollow="Unfollow",
        customer_reply="The site is still down!",
        mail_subject="Followed ticket", mail_body="which you follow",
        live_reply="the customer replied to a ticket you follow",
        live_mention="you were mentioned in an internal note",
        note="could you look at this?",
    ),
}


def _setup(server: RunningDestek, customer: Person, follower: Person, lang: str,
           words: Words, subject: str) -> dict[str, Any]:
    out = server.destek("shell", "-v", "0", "-c", SETUP_SCRIPT.format(
        customer=customer.pk, follower=follower.pk, lang=lang,
        bodies=json.dumps(words.bodies), subject=subject))
    line = next(x for x in out.splitlines() if x.startswith("SETUP="))
    return dict(json.loads(line.removeprefix("SETUP=")))


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_split_and_follow(destek_server: RunningDestek, people: dict[str, Person],
                          new_context: Callable[[str], Any], lang: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    server = destek_server
    customer, agent, follower = people[f"customer_{lang}"], people["agent"], people["agent2"]
    shots = Shots(f"split-follow-{lang}")
    subject = f"{words.subject} #{secrets.token_hex(3)}"
    setup = _setup(server, customer, follower, lang, words, subject)
    ticket_id, (first, second, third) = setup["ticket"], setup["messages"]

    # --- the agent ticks the last two messages and splits them into a new ticket -------------
    page = new_context(lang).new_page()
    sign_in(page, server, agent)
    page.goto(f"{server.url}/desk/tickets/{ticket_id}/")
    reference = page.get_by_test_id("ticket-reference").inner_text().strip()
    page.get_by_test_id(f"split-select-{second}").check()
    page.get_by_test_id(f"split-select-{third}").check()
    page.get_by_test_id("split-subject").fill(words.new_subject)
    shots(page, "split-selected")
    page.get_by_test_id("split-submit").click()
    page.wait_for_url(lambda url: f"/desk/tickets/{ticket_id}/" not in url)
    new_id = int(re.findall(r"/desk/tickets/(\d+)/", page.url)[0])
    new_reference = page.get_by_test_id("ticket-reference").inner_text().strip()
    expect(page.get_by_test_id("ticket-subject")).to_have_text(words.new_subject)
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text(words.bodies[1])
    expect(conversation).to_contain_text(words.bodies[2])
    expect(conversation).not_to_contain_text(words.bodies[0])
    history = page.get_by_test_id("history")
    expect(history.get_by_test_id("event-split_in")).to_contain_text(words.split_in)
    expect(history.get_by_test_id("event-split_in")).to_contain_text(
        f"#{second}, #{third}")
    expect(page.get_by_test_id(f"link-{reference}")).to_be_visible()
    shots(page, "split-new-ticket")

    page.get_by_test_id(f"link-{reference}").get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/desk/tickets/{ticket_id}/")
    expect(page.get_by_test_id("conversation")).to_contain_text(words.bodies[0])
    expect(page.get_by_test_id("conversation")).not_to_contain_text(words.bodies[1])
    out_event = page.get_by_test_id("history").get_by_test_id("event-split_out")
    expect(out_event).to_contain_text(words.split_out)
    expect(out_event).to_contain_text(new_reference)
    expect(page.get_by_test_id(f"message-{first}")).to_be_visible()
    shots(page, "split-original")

    # --- a second agent follows the original ticket ------------------------------------------
    follower_page = new_context(lang).new_page()
    pushes: list[dict[str, Any]] = []

    def on_socket(socket: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str) and payload.startswith("{"):
                pushes.append(json.loads(payload))
        socket.on("framereceived", on_frame)

    follower_page.on("websocket", on_socket)
    sign_in(follower_page, server, follower)
    follower_page.goto(f"{server.url}/desk/tickets/{ticket_id}/")
    toggle = follower_page.get_by_test_id("follow-toggle")
    expect(toggle).to_have_text(words.follow)
    toggle.click()
    follower_page.wait_for_load_state()
    expect(follower_page.get_by_test_id("follow-toggle")).to_have_text(words.unfollow)
    expect(follower_page.get_by_test_id("follower-list")).to_contain_text(follower.name)
    follower_page.goto(f"{server.url}/desk/?queue=open")
    expect(follower_page.get_by_test_id("live-status")).to_have_attribute("data-state", "online")

    # --- the customer replies in the portal: the follower is emailed and alerted live -------
    customer_page = new_context(lang).new_page()
    sign_in(customer_page, server, customer)
    customer_page.goto(f"{server.url}/portal/tickets/{ticket_id}/")
    customer_page.get_by_test_id("reply-body").fill(words.customer_reply)
    customer_page.get_by_test_id("reply-submit").click()
    customer_page.wait_for_load_state()
    expect(customer_page.get_by_test_id("conversation")).to_contain_text(words.customer_reply)
    alert = follower_page.get_by_test_id(f"follow-alert-{ticket_id}")
    expect(alert).to_contain_text(words.live_reply)
    expect(alert).to_contain_text(reference)
    shots(follower_page, "follow-live-alert")

    def is_follow_mail(message: EmailMessage) -> bool:
        return (follower.email in str(message["To"])
                and message["X-Destek-Ticket"] == reference
                and words.customer_reply in text_body(message))

    mail = wait_for_mail(server, is_follow_mail, f"to {follower.email} about {reference}")
    assert words.mail_subject in str(mail["Subject"]), mail["Subject"]
    assert words.mail_body in text_body(mail)
    assert f"/desk/tickets/{ticket_id}/" in text_body(mail)

    # --- the agent @mentions the follower in a note, picked from the autocomplete ------------
    page.goto(f"{server.url}/desk/tickets/{new_id}/")
    page.get_by_test_id("note-toggle").check()
    body = page.get_by_test_id("reply-body")
    body.click()
    body.press_sequentially("@" + follower.name.split()[0][:3], delay=30)
    option = page.get_by_test_id("mention-menu").get_by_test_id("mention-option")
    expect(option.first).to_contain_text(follower.email)
    shots(page, "mention-autocomplete")
    body.press("Enter")
    expect(body).to_have_value(re.compile("^@" + re.escape(follower.email) + " $"))
    body.press_sequentially(words.note)
    page.get_by_test_id("reply-submit").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("mention").first).to_have_text("@" + follower.email)
    expect(page.get_by_test_id("follower-list")).to_contain_text(follower.name)
    shots(page, "mention-note")
    mention_alert = follower_page.get_by_test_id(f"follow-alert-{new_id}")
    expect(mention_alert).to_contain_text(words.live_mention)
    assert any(p.get("type") == "follow.alert" and p.get("reason") == "mentioned"
               for p in pushes), pushes

    # --- merging back asks first, showing both tickets; the history says what moved ----------
    page.get_by_test_id("merge-target").fill(reference)
    page.get_by_test_id("merge-submit").click()
    page.wait_for_url(re.compile(r"/merge/confirm/"))
    expect(page.get_by_test_id("merge-source-reference")).to_have_text(new_reference)
    expect(page.get_by_test_id("merge-target-reference")).to_have_text(reference)
    expect(page.get_by_test_id("merge-source-subject")).to_have_text(words.new_subject)
    expect(page.get_by_test_id("merge-target-subject")).to_have_text(subject)
    shots(page, "merge-confirm")
    page.get_by_test_id("merge-confirm-submit").click()
    page.wait_for_url(f"**/desk/tickets/{ticket_id}/")
    expect(page.get_by_test_id("conversation")).to_contain_text(words.bodies[1])
    expect(page.get_by_test_id("history").get_by_test_id("event-merged_in")).to_contain_text(
        new_reference)
    shots(page, "merged")
