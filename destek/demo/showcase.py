"""What makes the demo look like a product in use: a help center in both languages with an
FAQ, a support mailbox, canned responses, SLA targets for every priority, tickets in several
states, a finished chat and a status page. Called once, by `create_demo_data`, in its transaction.

Everything goes through the same services as the product (articles through the KB's, tickets
and replies through the funnel, the chat through live chat's), so the demo exercises the real
paths: SLA deadlines, outbox emails, search indexes.
"""

from __future__ import annotations

from dataclasses import dataclass

from destek.accounts.models import Department, User
from destek.demo.kb_content import ARTICLES, CATEGORIES
from destek.demo.status_content import status_page
from destek.kb.models import Category
from destek.kb.services.articles import ArticleInput, article_create, article_publish
from destek.livechat.models import Side
from destek.livechat.services.abandon import chat_visitor_connected
from destek.livechat.services.conversations import chat_end, chat_pick, chat_start
from destek.livechat.services.messages import chat_message_post
from destek.mail.models import Mailbox
from destek.sla.configuration import sla_config_changed
from destek.sla.models import SlaPolicy
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import CannedResponse, Channel, Priority, Status, Ticket
from destek.tickets.services.changes import ticket_update

HOUR = 60
# First-response targets for the priorities the shipped policies leave without one
# (Critical already has its hour).
FIRST_RESPONSE = {Priority.HIGH: 4 * HOUR, Priority.NORMAL: 8 * HOUR, Priority.LOW: 24 * HOUR}


@dataclass(frozen=True)
class Cast:
    admin: User
    agent: User
    customer: User
    technical: Department
    billing: Department


def create_showcase(cast: Cast) -> None:
    sla_targets_for_every_priority()
    support_mailbox(cast)
    canned_responses()
    help_center(cast.agent)
    tickets_in_every_state(cast)
    finished_chat(cast)
    status_page(cast.agent)


def sla_targets_for_every_priority() -> None:
    changed = False
    for policy in SlaPolicy.objects.filter(first_response_minutes__isnull=True):
        targets = [FIRST_RESPONSE[p] for p in policy.priorities if p in FIRST_RESPONSE]
        if targets:
            policy.first_response_minutes = min(targets)
            policy.save(update_fields=["first_response_minutes"])
            changed = True
    if changed:
        sla_config_changed(reason="demo data: a first-response target for every priority")


def support_mailbox(cast: Cast) -> None:
    """Where customers' emails would arrive (no IMAP server configured: nothing is polled).
    No sender name: emails go out under the brand's name, so a newcomer who sets it in
    Settings → Branding sees it in the From of every email."""
    Mailbox.objects.get_or_create(address="support@demo.destek.local", defaults={
        "name": "Support", "department": cast.technical,
        "signature": "Support team · support@demo.destek.local"})
    Mailbox.objects.get_or_create(address="billing@demo.destek.local", defaults={
        "name": "Billing", "department": cast.billing})


CANNED = [
    ("Ask for details", "en",
     "Hello {customer_name},\n\nTo look into {ticket_number}, could you send us the exact "
     "address you open and a screenshot of the error?\n\nBest regards,\n{agent_name}"),
    ("Ayrıntı isteme", "tr",
     "Merhaba {customer_name},\n\n{ticket_number} numaralı talebinizi inceleyebilmemiz için "
     "açtığınız adresi ve hatanın ekran görüntüsünü gönderebilir misiniz?\n\n"
     "Saygılarımızla,\n{agent_name}"),
    ("Solved, closing", "en",
     "Hello {customer_name},\n\nWe are glad this is solved. We will close {ticket_number}; "
     "simply reply if anything comes back.\n\nBest regards,\n{agent_name}"),
    ("Çözüldü, kapatılıyor", "tr",
     "Merhaba {customer_name},\n\nSorunun çözülmesine sevindik. {ticket_number} numaralı "
     "talebi kapatıyoruz; bir şey tekrarlarsa bu e-postayı yanıtlamanız yeterli.\n\n"
     "Saygılarımızla,\n{agent_name}"),
]


# Macros: canned responses that also act (destek.tickets.macros), shared, in both languages.
MACROS = [
    ("Ask for the domain and pend", "en",
     "Hello {customer_name},\n\nWhich domain is {ticket_number} about? Once you tell us, we "
     "will look into it right away.\n\nBest regards,\n{agent_name}",
     "Asked the customer which domain this is about."),
    ("Alan adını sor ve beklet", "tr",
     "Merhaba {customer_name},\n\n{ticket_number} numaralı talebiniz hangi alan adıyla ilgili? "
     "Bize bildirdiğinizde hemen inceleyeceğiz.\n\nSaygılarımızla,\n{agent_name}",
     "Müşteriye talebin hangi alan adıyla ilgili olduğu soruldu."),
]


def canned_responses() -> None:
    for title, language, body in CANNED:
        CannedResponse.objects.get_or_create(title=title, language=language,
                                             defaults={"body": body})
    for title, language, body, note in MACROS:
        CannedResponse.objects.get_or_create(title=title, language=language, defaults={
            "body": body, "set_status": Status.PENDING, "add_tags": "needs-domain",
            "set_assignee": "me", "note": note})


def help_center(author: User) -> None:
    """Five categories and a dozen articles, each published in English and in Turkish (one
    translation group), four of them in the FAQ."""
    categories = {}
    for position, c in enumerate(CATEGORIES):
        categories[c.slug], _created = Category.objects.get_or_create(slug=c.slug, defaults={
            "name": c.name, "name_tr": c.name_tr, "description": c.description,
            "description_tr": c.description_tr, "position": position})
    for a in ARTICLES:
        category = categories[a.category]
        english = article_create(actor=author, data=ArticleInput(
            title=a.title, body_markdown=a.body, summary=a.summary, language="en",
            category=category, is_faq=a.faq))
        turkish = article_create(actor=author, translation_of=english, data=ArticleInput(
            title=a.title_tr, body_markdown=a.body_tr, summary=a.summary_tr, language="tr",
            category=category, is_faq=a.faq))
        article_publish(actor=author, article=english)
        article_publish(actor=author, article=turkish)


def _ticket(*, author: User, department: Department, subject: str, body: str,
            priority: int = Priority.NORMAL) -> Ticket:
    return receive(InboundMessage(channel=Channel.PORTAL, author=author, subject=subject,
                                  body_text=body, department_id=department.pk,
                                  priority=priority)).ticket


def _answer(ticket: Ticket, author: User, body: str, *, status: str | None = None,
            internal: bool = False) -> None:
    channel = Channel.DESK if author.is_agent else Channel.PORTAL
    receive(InboundMessage(channel=channel, author=author, ticket_id=ticket.pk, body_text=body,
                           new_status=status, is_internal=internal))


def tickets_in_every_state(cast: Cast) -> None:
    """Beside the two new tickets of `create_demo_data`: answered and waiting for the
    customer, on hold, resolved, closed, and a critical one in progress."""
    agent, customer = cast.agent, cast.customer
    down = _ticket(author=customer, department=cast.technical, priority=Priority.CRITICAL,
                   subject="VPS unreachable since 09:40",
                   body="Our VPS vps-118 does not answer ping or SSH since 09:40.")
    _answer(down, agent, "We see a failed network card on the host; moving your VPS to "
                         "another host now.", status=Status.OPEN)
    _answer(down, customer, "Thank you, please keep me posted.")

    spam = _ticket(author=customer, department=cast.technical,
                   subject="E-postalarım Gmail'de spama düşüyor",
                   body="Gönderdiğim e-postalar Gmail kullanıcılarında spam klasörüne gidiyor.")
    _answer(spam, agent, "Alan adınıza DKIM kaydını ekledik. Bir deneme e-postası gönderip "
                         "sonucu bize yazar mısınız?", status=Status.PENDING)

    invoice = _ticket(author=customer, department=cast.billing,
                      subject="Invoice 2026-114 was charged twice",
                      body="My card was charged twice for invoice 2026-114.")
    _answer(invoice, agent, "Waiting for the payment provider's report before refunding.",
            internal=True)
    ticket_update(actor=agent, ticket=invoice, status=Status.ON_HOLD)

    backup = _ticket(author=customer, department=cast.technical,
                     subject="Dünkü yedeğin geri yüklenmesi",
                     body="Veritabanımı dünkü yedekten geri yükleyebilir misiniz?")
    _answer(backup, agent, "Veritabanınızı dün 03:00 yedeğinden geri yükledik.",
            status=Status.RESOLVED)

    dns = _ticket(author=customer, department=cast.technical, priority=Priority.LOW,
                  subject="Add a TXT record for Google verification",
                  body="Please add google-site-verification=abc123 to example.com.tr.")
    _answer(dns, agent, "The TXT record is in place.", status=Status.RESOLVED)
    ticket_update(actor=agent, ticket=dns, status=Status.CLOSED)


def finished_chat(cast: Cast) -> None:
    """A chat the customer had with the agent, ended, in the console's past chats."""
    chat = chat_start(customer=cast.customer, name="", email="", topic="PHP version",
                      department_id=cast.technical.pk, language="tr")
    chat_visitor_connected(conversation_id=chat.pk)
    chat_pick(agent=cast.agent, conversation_id=chat.pk)
    lines = [
        (Side.VISITOR, cast.customer, "Merhaba, PHP sürümünü 8.3'e yükseltebilir miyim?"),
        (Side.AGENT, cast.agent, "Merhaba! Evet, kontrol panelindeki PHP ayarlarından "
                                 "seçebilirsiniz; isterseniz ben de yapabilirim."),
        (Side.VISITOR, cast.customer, "Siz yaparsanız çok sevinirim."),
        (Side.AGENT, cast.agent, "Tamamdır, alan adınız artık PHP 8.3 kullanıyor."),
        (Side.VISITOR, cast.customer, "Teşekkürler, her şey çalışıyor."),
    ]
    for side, author, body in lines:
        chat_message_post(conversation_id=chat.pk, side=side, body=body, author=author)
    chat_end(conversation_id=chat.pk, side=Side.AGENT, actor=cast.agent)
