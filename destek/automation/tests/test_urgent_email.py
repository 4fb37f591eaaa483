"""Done means: an email saying "Sitem açılmıyor" becomes a critical ticket with the critical
policy's 1-hour first response, through the real mail path (a raw message stored, parsed,
filed by the funnel) and the shipped trigger."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from destek.mail import processing
from destek.mail.models import InboundState, Mailbox
from destek.mail.store import store_raw
from destek.sla.models import TicketSla
from destek.tickets.models import Channel, EventKind, Priority, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def mailbox(db: None, department, settings) -> Mailbox:  # type: ignore[no-untyped-def]
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    return Mailbox.objects.create(name="Support", address="support@destek.example",
                                  department=department)


def raw_email(*, subject: str, body: str, number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Deniz Yılmaz <deniz@musteri.example>"
    message["To"] = "support@destek.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<urgent-{number}@musteri.example>"
    message["Date"] = "Mon, 07 Dec 2026 10:00:00 +0300"
    message.set_content(body)  # UTF-8, as a Turkish mail client sends it
    return message.as_bytes()


def receive_email(mailbox: Mailbox, *, subject: str, body: str, number: int) -> Ticket:
    row = store_raw(raw=raw_email(subject=subject, body=body, number=number), source="smtp",
                    mailbox=mailbox, envelope_to=["support@destek.example"]).email
    processing.process(row.pk)
    row.refresh_from_db()
    assert row.state == InboundState.PROCESSED, row.error
    return Ticket.objects.get(messages__pk=row.ticket_message_id)


@pytest.mark.parametrize(("subject", "body"), [
    ("Sitem açılmıyor", "Merhaba, sabahtan beri ulaşamıyoruz."),
    ("Yardım", "Merhaba,\n\nSİTEM AÇILMIYOR, müşterilerimiz bekliyor.\n\nDeniz"),
    ("Acil", "sitem acilmiyor"),  # typed without Turkish letters
])
def test_an_email_saying_my_site_is_down_becomes_critical_with_a_one_hour_deadline(
        shipped_triggers, mailbox, subject, body):
    ticket = receive_email(mailbox, subject=subject, body=body, number=hash(body) % 10**6)
    assert ticket.channel == Channel.EMAIL
    assert ticket.priority == Priority.CRITICAL
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy_name == "Critical"
    assert sla.first_response_due == ticket.created_at + HOUR
    assert sla.due_at == ticket.created_at + HOUR
    history = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    assert [e.after for e in history if e.kind == EventKind.AUTOMATION] \
        == ["Urgent keywords → critical"]
    [change] = [e for e in history if e.kind == EventKind.PRIORITY]
    assert (change.before, change.after, change.actor_id) == ("Normal", "Critical", None)


def test_an_ordinary_email_keeps_its_priority(shipped_triggers, mailbox):
    ticket = receive_email(mailbox, subject="Fatura sorusu",
                           body="Geçen ayın faturasını nereden indirebilirim?", number=1)
    assert ticket.priority == Priority.NORMAL
    assert TicketSla.objects.get(ticket=ticket).first_response_due is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION).exists()


def test_english_too_and_a_reply_raises_an_open_ticket(shipped_triggers, mailbox, customer):
    from destek.tickets.factories import open_ticket, reply

    assert receive_email(mailbox, subject="Help", body="Our website is down since 9am",
                         number=2).priority == Priority.CRITICAL
    ticket = open_ticket(customer=customer, department=mailbox.department, subject="Question",
                         body="How do I add a mailbox?")
    assert ticket.priority == Priority.NORMAL
    reply(ticket=ticket, author=customer, body="Now we get a 500 error on every page",
          channel=Channel.PORTAL)
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.CRITICAL
