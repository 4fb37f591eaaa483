"""A customer with personal data everywhere Destek can hold it, built through the real doors
(the funnel, the mail pipeline with real MIME, the chat services, the outbox worker, the audit
log, the knowledge base's feedback), for the erasure and retention tests."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from destek.accounts.factories import CustomerFactory
from destek.accounts.models import Department, User
from destek.audit.log import Action, record
from destek.kb.factories import make_article
from destek.kb.services.feedback import article_vote, deflection_record
from destek.livechat.models import Conversation, Side
from destek.livechat.services.conversations import chat_end, chat_start
from destek.livechat.services.messages import chat_attachment_create, chat_message_post
from destek.mail import processing
from destek.mail.models import EmailAddressStatus, Mailbox
from destek.mail.store import store_raw
from destek.notifications import delivery
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Ticket
from destek.tickets.uploads import InboundFile


@dataclass
class Person:
    user: User
    word: str  # a distinctive word in everything this person is and writes
    phone: str
    portal_ticket: Ticket
    email_ticket: Ticket
    chat: Conversation

    @property
    def needles(self) -> list[str]:
        return [self.word, self.user.email.lower(), self.phone, self.user.full_name.lower()]


def _mime(*, sender: str, subject: str, body: str, message_id: str, attachment: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@destek.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    message.add_attachment(attachment, maintype="text", subtype="plain",
                           filename="notes.txt")
    return message.as_bytes()


def mailbox(department: Department) -> Mailbox:
    return Mailbox.objects.get_or_create(
        address="support@destek.example",
        defaults={"name": "Support", "department": department})[0]


def person(*, first: str, word: str, phone: str, department: Department, agent: User,
           cc: tuple[str, ...] = ()) -> Person:
    """`word` is lower-case letters; the person's name and address are built from it."""
    user = CustomerFactory(full_name=f"{first} {word.capitalize()}son",
                           email=f"{first.lower()}.{word}@example.net", phone=phone)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Token.objects.create(user=user)
    portal = open_ticket(
        customer=user, department=department, subject=f"{word}subject my VPS is down",
        body=f"Hello, {word}portal: call me on {phone}.", cc=cc,
        attachments=(InboundFile(name=f"{word}-invoice.txt",
                                 content=f"{word}file content".encode(),
                                 content_type="text/plain"),))
    reply(ticket=portal, author=agent, body=f"Dear {user.full_name}, we are on it.")
    reply(ticket=portal, author=agent, body=f"{word}note: the customer sounds upset",
          internal=True)
    raw = _mime(sender=f"{user.full_name} <{user.email}>", subject=f"{word}mail billing",
                body=f"{word}mailbody please refund me.\n\n-- \n{user.full_name}\n{phone}",
                message_id=f"<{first.lower()}-1@client.example>",
                attachment=f"{word}mailattachment".encode())
    stored = store_raw(raw=raw, source="smtp", mailbox=mailbox(department)).email
    processing.process(stored.pk)
    stored.refresh_from_db()
    assert stored.ticket is not None, stored.error
    chat = chat_start(customer=None, name=user.full_name, email=user.email,
                      topic=f"{word}topic", department_id=department.pk, language="en",
                      page_url=f"https://shop.example/{word}page")
    attachment = chat_attachment_create(
        conversation=chat, side=Side.VISITOR,
        file=InboundFile(name=f"{word}.txt", content=f"{word}chatfile".encode(),
                         content_type="text/plain"))
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR,
                      body=f"{word}chat my phone is {phone}", attachment_id=attachment.pk)
    chat_end(conversation_id=chat.pk, side=Side.VISITOR)
    EmailAddressStatus.objects.create(address=user.email, bounce_count=1,
                                      last_bounce_reason=f"550 {user.email} over quota")
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9",
                                   HTTP_USER_AGENT=f"{word}browser")
    request.user = user
    record(Action.SIGN_IN, request=request)
    record(Action.SIGN_IN_FAILED, email=user.email)
    article = make_article(title="How to point DNS", body="Use our name servers.")
    article_vote(article=article, user=user, session_key="", helpful=False,
                 comment=f"{word}vote not helpful")
    deflection_record(article=article, user=user, subject=f"{word}deflect dns help")
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk),
        object_repr=str(user), action_flag=CHANGE, change_message=f"phone {phone}",
        user=agent)
    Client().force_login(user)
    return Person(user=user, word=word, phone=phone, portal_ticket=portal,
                  email_ticket=stored.ticket, chat=chat)


def deliver_everything() -> None:
    """Render and send every queued email (the file transport keeps a copy of each)."""
    delivery.deliver_many(list(OutboundEmail.objects.values_list("pk", flat=True)))
