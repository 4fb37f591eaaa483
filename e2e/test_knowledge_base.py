"""The knowledge base in a real browser: a customer typing a new ticket is offered an article
(never an internal one), opens it, answers "this solved my problem", and the avoided ticket is
counted; an agent finds an article from the ticket view and puts its link in a reply."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from e2e.conftest import Person, RunningDestek, Shots, sign_in


@dataclass(frozen=True)
class Words:
    public: str  # titles of the articles that match what the customer types
    customers: str
    internal: str
    body: str
    subject: str  # what the customer types
    description: str
    solved: str
    deflected: str
    avoided: str
    insert_link: str
    internal_badge: str


WORDS = {
    "en": Words(
        public="Fix a full Roundcube webmail quota",
        customers="Roundcube webmail quota for resellers",
        internal="Roundcube webmail quota override for agents",
        body="When Roundcube webmail says the quota is exceeded, delete old mail or raise the "
             "mailbox quota in the control panel.",
        subject="Roundcube webmail quota exceeded",
        description="New mail bounces and Roundcube says my quota is full.",
        solved="This solved my problem",
        deflected="We are glad the article helped. No ticket was opened.",
        avoided="Tickets avoided", insert_link="Insert link", internal_badge="Internal"),
    "tr": Words(
        public="Roundcube web posta kotası dolduğunda",
        customers="Bayiler için Roundcube web posta kotası",
        internal="Temsilciler için Roundcube web posta kotası aşımı",
        body="Roundcube web postası kotanın dolduğunu söylüyorsa eski postaları silin ya da "
             "kontrol panelinden posta kutusu kotasını yükseltin.",
        subject="Roundcube web posta kotam doldu",
        description="Yeni postalar geri dönüyor, Roundcube kotamın dolduğunu söylüyor.",
        solved="Sorunum çözüldü",
        deflected="Makalenin işinize yaramasına sevindik. Talep oluşturulmadı.",
        avoided="Önlenen talepler", insert_link="Bağlantıyı ekle", internal_badge="Dahili"),
}

# Run by `destek shell`: per language a public, a customers-only and an internal article with
# the same words; prints their ids and addresses. Idempotent.
ARTICLES_SCRIPT = """
import json
from destek.kb.factories import make_article
from destek.kb.models import Article, Audience
out = {{}}
for lang, titles, body in json.loads({spec!r}):
    for audience, title in zip(["public", "customers", "internal"], titles):
        article = Article.objects.filter(title=title).first() or make_article(
            title=title, body=body, language=lang, audience=audience)
        out[title] = {{"id": article.pk, "path": f"/kb/{{lang}}/{{article.slug}}/"}}
print("ARTICLES=" + json.dumps(out))
"""

DEFLECTIONS_SCRIPT = """
from destek.kb.models import Article, Deflection
article = Article.objects.get(pk={article_id})
print("DEFLECTIONS=%d,%d" % (article.deflection_count,
                             Deflection.objects.filter(article=article, subject={subject!r},
                                                       user_id={user_id}).count()))
"""

# A ticket from the customer through the portal's own door (as the new-ticket form opens it).
TICKET_SCRIPT = """
from destek.accounts.models import Department, User
from destek.portal.adapters import portal_open_ticket
result = portal_open_ticket(
    author=User.objects.get(pk={customer_id}),
    department_id=Department.objects.get(name="Technical support").pk, priority=20,
    subject={subject!r}, body={body!r}, uploads=[])
print("TICKET=%d" % result.ticket.pk)
"""


def _shell_value(server: RunningDestek, script: str, prefix: str) -> str:
    out = server.destek("shell", "-v", "0", "-c", script)
    line = next(x for x in out.splitlines() if x.startswith(prefix))
    return line.removeprefix(prefix)


@pytest.fixture(scope="module")
def articles(destek_server: RunningDestek) -> dict[str, dict[str, Any]]:
    spec = json.dumps([[lang, [w.public, w.customers, w.internal], w.body]
                       for lang, w in WORDS.items()])
    found: dict[str, dict[str, Any]] = json.loads(
        _shell_value(destek_server, ARTICLES_SCRIPT.format(spec=spec), "ARTICLES="))
    return found


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_customer_is_answered_by_an_article_instead_of_a_ticket(
        destek_server: RunningDestek, people: dict[str, Person],
        articles: dict[str, dict[str, Any]], new_context: Callable[[str], Any],
        lang: str) -> None:
    from playwright.sync_api import expect

    server, words, customer = destek_server, WORDS[lang], people[f"customer_{lang}"]
    shots = Shots(f"kb-deflection-{lang}")
    subject = f"{words.subject} {secrets.token_hex(2)}"
    context = new_context(lang)
    page = context.new_page()
    sign_in(page, server, customer)
    page.get_by_test_id("new-ticket-link").click()

    # --- typing the subject and the description brings up the matching articles ------------
    page.get_by_test_id("new-ticket-subject").press_sequentially(subject, delay=20)
    page.get_by_test_id("new-ticket-body").press_sequentially(words.description, delay=10)
    box = page.get_by_test_id("kb-suggestions")
    expect(box.get_by_role("link", name=words.public, exact=True)).to_be_visible()
    # A signed-in customer is offered customer-only articles too; agents' notes never.
    expect(box.get_by_role("link", name=words.customers, exact=True)).to_be_visible()
    expect(box).not_to_contain_text(words.internal)
    shots(page, "suggestions")

    # --- the customer opens the article (a new tab) and it solved the problem ----------------
    link = box.get_by_role("link", name=words.public, exact=True)
    with context.expect_page() as opened:
        link.click()
    article_page = opened.value
    article_page.wait_for_load_state()
    assert article_page.url.startswith(server.url + articles[words.public]["path"])
    expect(article_page.get_by_test_id("kb-article-title")).to_have_text(words.public)
    solved = article_page.get_by_test_id("kb-solved")
    expect(solved).to_have_text(words.solved)
    shots(article_page, "article")
    solved.click()
    expect(article_page.get_by_test_id("kb-deflected")).to_contain_text(words.deflected)
    shots(article_page, "deflected")

    # --- counted once, with what the customer typed, and on the agents' report ---------------
    counts = _shell_value(server, DEFLECTIONS_SCRIPT.format(
        article_id=articles[words.public]["id"], subject=subject, user_id=customer.pk),
        "DEFLECTIONS=")
    total, mine = (int(n) for n in counts.split(","))
    assert mine == 1 and total >= 1, counts
    agent_page = new_context(lang).new_page()
    sign_in(agent_page, server, people["agent"])
    agent_page.goto(f"{server.url}/kb/desk/report/")
    expect(agent_page.get_by_text(words.avoided)).to_be_visible()
    expect(agent_page.locator("li", has_text=subject)).to_contain_text(words.public)
    shots(agent_page, "report")


def test_agent_puts_an_article_link_in_a_reply(
        destek_server: RunningDestek, people: dict[str, Person],
        articles: dict[str, dict[str, Any]], new_context: Callable[[str], Any]) -> None:
    from playwright.sync_api import expect

    server, words = destek_server, WORDS["en"]
    shots = Shots("kb-agent-reply")
    ticket_id = int(_shell_value(server, TICKET_SCRIPT.format(
        customer_id=people["customer_en"].pk, subject=f"Mail bounces {secrets.token_hex(2)}",
        body="Roundcube says the quota is exceeded."), "TICKET="))
    page = new_context("en").new_page()
    sign_in(page, server, people["agent"])
    page.goto(f"{server.url}/desk/tickets/{ticket_id}/")

    # --- the agent searches the knowledge base from the ticket: internal articles too --------
    page.get_by_test_id("kb-panel-search").fill("roundcube quota")
    hits = page.get_by_test_id("kb-panel-hit")
    public = hits.filter(has_text=words.public)
    expect(public).to_have_count(1)
    expect(hits.filter(has_text=words.internal)).to_contain_text(words.internal_badge)
    expect(public).not_to_contain_text(words.internal_badge)

    # --- and inserts the public article's link after what they had written --------------------
    reply = page.get_by_test_id("reply-body")
    reply.fill("Hello, this article shows how to free up space:")
    insert = public.get_by_test_id("kb-insert-link")
    expect(insert).to_have_text(words.insert_link)
    insert.click()
    url = server.url + articles[words.public]["path"]
    expect(reply).to_have_value(
        "Hello, this article shows how to free up space:\n" + url)
    shots(page, "link-inserted")
    page.get_by_test_id("reply-submit").click()
    page.wait_for_load_state()
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text(url)
    shots(page, "reply-sent")

    # --- the link opens the article for the customer -----------------------------------------
    customer_page = new_context("en").new_page()
    sign_in(customer_page, server, people["customer_en"])
    customer_page.goto(f"{server.url}/portal/tickets/{ticket_id}/")
    expect(customer_page.get_by_test_id("message-body").last).to_contain_text(url)
    customer_page.goto(url)
    expect(customer_page.get_by_test_id("kb-article-title")).to_have_text(words.public)
    assert re.search(r"/kb/en/[\w-]+/$", customer_page.url), customer_page.url
