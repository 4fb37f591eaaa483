"""Real MIME bytes through store_raw, the parser and processing (no stand-ins)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from destek.mail import processing
from destek.mail.models import InboundState
from destek.mail.store import store_raw
from destek.notifications.envelope import thread_id
from destek.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


def _mime(*, sender: str, subject: str, body: str, charset: str = "utf-8",
          **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@destek.example"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body, charset=charset)
    return message.as_bytes()


def _process(raw: bytes):
    row = store_raw(raw=raw, source="smtp").email
    outcome = processing.process(row.pk)
    row.refresh_from_db()
    return outcome, row


@pytest.fixture
def mail_settings(settings, mailbox):
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    return mailbox


def test_turkish_mail_in_iso_8859_9_opens_a_turkish_ticket(mail_settings):
    raw = _mime(sender="Ayşe Yılmaz <ayse@example.com.tr>", subject="Sitem açılmıyor",
                body="Merhaba, alan adım çalışmıyor. Teşekkürler.", charset="iso-8859-9",
                Message_ID="<tr-1@example.com.tr>")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET
    ticket = row.ticket
    assert ticket.subject == "Sitem açılmıyor"
    assert "alan adım" in row.ticket_message.body_text
    assert ticket.customer.language == "tr"
    assert ticket.customer.full_name == "Ayşe Yılmaz"


def test_reply_and_out_of_office_thread_onto_the_ticket(mail_settings):
    _outcome, first = _process(_mime(sender="deniz@example.com", subject="VPS slow",
                                     body="It is slow.", Message_ID="<first@example.com>"))
    ticket = first.ticket
    reply = _mime(sender="deniz@example.com", subject="Re: anything",
                  body="Still slow.\n\nOn Monday Support wrote:\n> old text\n",
                  Message_ID="<second@example.com>", In_Reply_To=thread_id(ticket))
    outcome, row = _process(reply)
    assert outcome == processing.Outcome.REPLY and row.ticket == ticket
    assert row.ticket_message.body_text == "Still slow."
    assert "old text" in row.ticket_message.quoted_text
    before = OutboundEmail.objects.count()
    ooo = _mime(sender="deniz@example.com", subject=f"Out of office [#{ticket.reference}]",
                body="I am away until Monday.", Message_ID="<ooo@example.com>",
                Auto_Submitted="auto-replied", In_Reply_To=thread_id(ticket))
    outcome, row = _process(ooo)
    assert outcome == processing.Outcome.REPLY
    assert row.ticket_message.is_auto_reply
    assert OutboundEmail.objects.count() == before


def test_garbage_is_quarantined_not_raised(mail_settings):
    outcome, row = _process(b"\x00\xff\xfe not an email at all")
    assert outcome in (processing.Outcome.QUARANTINED, processing.Outcome.IGNORED)
    assert row.state in (InboundState.QUARANTINED, InboundState.IGNORED)
    if row.state == InboundState.QUARANTINED:
        assert row.error
