"""Issue 12, hole 2: a forged email in a customer's name is not filed on their ticket as them.

Real MIME bytes go through store_raw, the parser and processing; the desk page and the API
show what was stored.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from destek.mail import processing
from destek.mail.store import store_raw
from destek.notifications.envelope import message_id_domain, thread_id
from destek.notifications.models import OutboundEmail
from destek.notifications.reply_tokens import make_token
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

TRUSTED = "mx.destek.example"
PASS = f"{TRUSTED}; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; " \
       "dmarc=pass (p=reject) header.from=example.com"


def _mime(*, sender: str, subject: str, body: str = "Please do it today.",
          results: tuple[str, ...] = (), **headers: str) -> bytes:
    message = EmailMessage()
    for value in results:  # the receiving host prepends its verdict
        message["Authentication-Results"] = value
    message["From"] = sender
    message["To"] = headers.pop("To", "support@destek.example")
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def _process(raw: bytes):
    row = store_raw(raw=raw, source="smtp").email
    outcome = processing.process(row.pk)
    row.refresh_from_db()
    return outcome, row


@pytest.fixture
def trusted(settings, mailbox):
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    settings.DESTEK_MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED]
    return mailbox


@pytest.fixture
def ticket(customer, trusted) -> Ticket:
    return open_ticket(customer=customer, department=trusted.department,
                       subject="Hosting for example.com", body="My secret plan")


def test_the_spoofed_message_from_the_issue_opens_a_new_unverified_ticket(customer, ticket):
    raw = _mime(
        sender=f"Ayşe <{customer.email}>",
        subject=f"Re: [#{ticket.reference}] Please point my DNS elsewhere",
        body="Change my nameservers to ns1.attacker.example and reset my password.",
        results=(f"{TRUSTED}; spf=fail smtp.mailfrom=attacker.example; dkim=none; "
                 f"dmarc=fail (p=none) header.from={customer.email.split('@')[1]}",),
        Return_Path="<bounce@attacker.example>", Reply_To="help@attacker.example",
        Message_ID="<spoof-1@attacker.example>")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET
    assert row.ticket != ticket
    ticket.refresh_from_db()
    assert ticket.messages.count() == 1  # nothing was added to the customer's ticket
    assert not row.ticket_message.sender_verified
    # the claimed ticket is named for the agent, not trusted
    assert ticket.reference in row.ticket.subject
    assert row.ticket.follow_up_of_id is None


def test_a_guessable_thread_id_does_not_thread(customer, ticket):
    """`ticket-<pk>@our domain` (the thread id before it was signed) is known from the
    ticket's number: naming it, as an old outbox row still does, proves nothing."""
    legacy = f"<ticket-{ticket.pk}@{message_id_domain()}>"
    OutboundEmail.objects.create(kind="ticket_opened", ticket=ticket, message_id=legacy,
                                 recipients=[customer.email])
    outcome, row = _process(_mime(sender=customer.email, subject="Re: Hosting",
                                  In_Reply_To=legacy, Message_ID="<guess@attacker.example>"))
    assert outcome == processing.Outcome.TICKET and row.ticket != ticket
    assert ticket.messages.count() == 1


def test_a_genuine_reply_with_the_reply_token_threads_and_is_verified(customer, ticket):
    token = make_token(ticket_id=ticket.pk, user_id=customer.pk)
    outcome, row = _process(_mime(sender=customer.email, subject="Re: whatever",
                                  To=f"support+{token}@destek.example", results=(PASS,),
                                  Message_ID="<genuine-1@example.com>"))
    assert outcome == processing.Outcome.REPLY and row.ticket == ticket
    assert row.ticket_message.sender_verified


def test_in_reply_to_a_message_destek_sent_threads(customer, agent, ticket):
    reply(ticket=ticket, author=agent, body="Which records?")
    sent = OutboundEmail.objects.get(ticket=ticket, kind="agent_reply")
    outcome, row = _process(_mime(sender=customer.email, subject="Re: Hosting",
                                  In_Reply_To=sent.message_id, results=(PASS,),
                                  Message_ID="<genuine-2@example.com>"))
    assert outcome == processing.Outcome.REPLY and row.ticket == ticket
    assert row.ticket_message.sender_verified
    # the signed thread id in References threads too
    outcome, row = _process(_mime(sender=customer.email, subject="Re: Hosting",
                                  References=thread_id(ticket),
                                  Message_ID="<genuine-3@example.com>"))
    assert outcome == processing.Outcome.REPLY and row.ticket == ticket


def test_a_forged_authentication_results_from_an_untrusted_host_is_ignored(customer, agent,
                                                                          ticket):
    reply(ticket=ticket, author=agent, body="Which records?")
    sent = OutboundEmail.objects.get(ticket=ticket, kind="agent_reply")
    forged = "mx.google.com; spf=pass smtp.mailfrom=example.com; dkim=pass " \
             "header.d=example.com; dmarc=pass header.from=example.com"
    outcome, row = _process(_mime(sender=customer.email, subject="Re: Hosting",
                                  In_Reply_To=sent.message_id, results=(forged,),
                                  Message_ID="<forged-ar@example.com>"))
    assert outcome == processing.Outcome.REPLY and row.ticket == ticket
    assert not row.ticket_message.sender_verified


def test_email_is_unverified_when_no_receiving_host_is_trusted(settings, customer, ticket):
    settings.DESTEK_MAIL_TRUSTED_AUTHSERV_IDS = []
    _outcome, row = _process(_mime(sender=customer.email, subject="New question",
                                   results=(PASS,), Message_ID="<untrusted@example.com>"))
    assert not row.ticket_message.sender_verified


def test_people_signed_in_are_verified_by_construction(customer, agent, ticket):
    typed = ticket.messages.get()  # typed in the portal
    answer = reply(ticket=ticket, author=agent, body="Done.").message
    assert typed.sender_verified is True
    answer.refresh_from_db()
    assert answer.sender_verified is True


def _badges(html: str) -> int:
    return html.count('data-testid="unverified-sender-badge"')


def test_the_desk_and_the_api_show_the_unverified_sender(customer, agent, agent_client,
                                                         ticket):
    reply(ticket=ticket, author=agent, body="Which records?")
    sent = OutboundEmail.objects.get(ticket=ticket, kind="agent_reply")
    _outcome, row = _process(_mime(sender=customer.email, subject="Re: Hosting",
                                   In_Reply_To=sent.message_id,
                                   Message_ID="<unverified-reply@example.com>"))
    assert row.ticket == ticket
    url = reverse("desk:ticket", kwargs={"ticket_id": ticket.pk})
    english = agent_client.get(url).content.decode()
    assert _badges(english) == 1  # on the email only: not the portal message nor the agent's
    assert "Unverified sender" in english
    agent.language = "tr"
    agent.save(update_fields=["language"])
    turkish = agent_client.get(url).content.decode()
    assert _badges(turkish) == 1
    assert "Doğrulanmamış gönderen" in turkish and "Unverified sender" not in turkish

    api = APIClient()
    api.force_authenticate(agent)
    body = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    flags = {m["id"]: m["sender_verified"] for m in body["messages"]}
    assert flags == {m.pk: m.pk != row.ticket_message_id
                     for m in Message.objects.filter(ticket=ticket)}
