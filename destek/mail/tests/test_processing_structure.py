"""Issue 13, faults 3, 4, 6 and 8 through store_raw (what every door calls) and the processing
task:
image-only mail, damaged headers, parts lost or misnamed, format=flowed and winmail.dat.

Every message here was written for these tests."""

from __future__ import annotations

import base64

import pytest

from destek.mail import processing
from destek.mail.models import InboundEmail, InboundState
from destek.mail.store import store_raw
from destek.tickets.models import Attachment

pytestmark = pytest.mark.django_db

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)
PNG_B64 = base64.encodebytes(PNG).replace(b"\n", b"\r\n")


@pytest.fixture
def mail_settings(settings, mailbox):
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    return mailbox


def _process(raw: bytes) -> tuple[str, InboundEmail]:
    row = store_raw(raw=raw, source="pipe", envelope_to=["support@destek.example"]).email
    outcome = processing.process(row.pk)
    row.refresh_from_db()
    return outcome, row


def _names(row: InboundEmail) -> list[str]:
    return sorted(Attachment.objects.filter(message=row.ticket_message)
                  .values_list("original_name", flat=True))


SCREENSHOT = (
    b"From: Deniz <deniz@example.com>\r\nTo: support@destek.example\r\n"
    b"Subject: \r\nMessage-ID: <shot-1@example.com>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/related; boundary="rel"\r\n\r\n'
    b"--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<html><body><div><img src="cid:shot@client"></div></body></html>\r\n'
    b"--rel\r\nContent-Type: image/png\r\nContent-ID: <shot@client>\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + PNG_B64 + b"--rel--\r\n"
)
FAX = (
    b"From: fax-gateway@example.net\r\nTo: support@destek.example\r\n"
    b"Message-ID: <fax-1@example.net>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="fax"\r\n\r\n'
    b"--fax\r\nContent-Type: text/plain\r\n\r\n\r\n"
    b"--fax\r\nContent-Type: image/png\r\nContent-Disposition: attachment\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + PNG_B64 + b"--fax--\r\n"
)


def test_an_html_screenshot_without_text_or_subject_opens_a_ticket(mail_settings):
    outcome, row = _process(SCREENSHOT)
    assert outcome == processing.Outcome.TICKET, row.error
    message = row.ticket_message
    assert message.body_text == "(image)"  # a neutral line: the image is the content
    assert _names(row) == ["image-1.png"]
    assert "cid:" not in message.body_html  # the inline image points at the stored file
    assert "<img" in message.body_html


def test_a_scanned_fax_with_an_empty_body_and_no_subject_opens_a_ticket(mail_settings):
    outcome, row = _process(FAX)
    assert outcome == processing.Outcome.TICKET, row.error
    assert _names(row) == ["image-1.png"]
    assert row.ticket_message.body_text == "(image)"


def test_html_with_no_text_and_no_file_is_filed_not_quarantined(mail_settings):
    raw = (b"From: deniz@example.com\r\nTo: support@destek.example\r\nSubject: Hosting\r\n"
           b"Message-ID: <blank-html-1@example.com>\r\nContent-Type: text/html\r\n\r\n"
           b"<html><head><style>p{}</style></head><body><o:p></o:p></body></html>\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert row.ticket_message.body_text == "Hosting"


def test_a_screenshot_pasted_as_a_data_uri_is_kept_as_an_inline_image(mail_settings):
    data = base64.b64encode(PNG)
    raw = (b"From: deniz@example.com\r\nTo: support@destek.example\r\nSubject: error\r\n"
           b"Message-ID: <paste-1@example.com>\r\nContent-Type: text/html\r\n\r\n"
           b'<p><img src="data:image/png;base64,' + data + b'"></p>\r\n')
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert _names(row) == ["image-embedded-1.png"]
    assert "data:" not in row.ticket_message.body_html


# --- fault 4: damaged headers ---------------------------------------------------------------

@pytest.mark.parametrize("prefix", [
    b"From MAILER-DAEMON Mon Dec  7 03:00:00 2026\r\n",
    b"---- Original email message ----\r\n",
    b"\r\n\r\n",
    b"From fax@example.net Mon Dec  7 03:00:00 2026\r\n-------- Forwarded --------\r\n",
])
def test_headers_after_a_leading_non_header_line_are_read(mail_settings, prefix):
    raw = prefix + (b"From: Ece Kaya <ece@example.com>\r\nTo: support@destek.example\r\n"
                    b"Subject: Backup failed\r\nMessage-ID: <" + str(len(prefix)).encode()
                    + b"-hdr@example.com>\r\n\r\nLast night's backup failed.\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert row.ticket.subject == "Backup failed"
    assert row.ticket.customer.email == "ece@example.com"
    assert row.ticket_message.body_text == "Last night's backup failed."


def test_a_from_without_an_address_falls_back_to_reply_to_and_says_so(mail_settings):
    raw = (b"From: Ece Kaya\r\nReply-To: Ece <ece@example.com>\r\n"
           b"Return-Path: <bounces@mailer.example>\r\nTo: support@destek.example\r\n"
           b"Subject: Help\r\nMessage-ID: <fallback-1@example.com>\r\n\r\nPlease help.\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert row.ticket.customer.email == "ece@example.com"
    assert "Reply-To" in row.note


def test_a_message_with_no_address_anywhere_is_quarantined(mail_settings):
    raw = (b"From: Ece Kaya\r\nTo: support@destek.example\r\nSubject: Help\r\n"
           b"Message-ID: <noaddr-1@example.com>\r\n\r\nPlease help.\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.QUARANTINED
    assert row.state == InboundState.QUARANTINED


# --- fault 6: parts lost or misnamed --------------------------------------------------------

def test_parts_after_an_early_close_delimiter_and_nameless_parts_are_kept_and_named(
        mail_settings):
    raw = (b"From: deniz@example.com\r\nTo: support@destek.example\r\nSubject: Files\r\n"
           b"Message-ID: <parts-1@example.com>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
           b'--b\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
           b"--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n--b--\r\n"
           b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"JVBERi0xLjQK\r\n"
           b"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + PNG_B64 +
           b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
           b"From: other@example.org\r\nSubject: Invoice 42\r\n\r\nThe invoice.\r\n"
           b"--b--\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert row.ticket_message.body_text == "See the files."
    assert _names(row) == ["Invoice 42.eml", "attachment-1.pdf", "image-2.png"]


# --- fault 8: format=flowed and winmail.dat in RTF ------------------------------------------

def test_flowed_text_is_stored_unwrapped(mail_settings):
    raw = (b"From: deniz@example.com\r\nTo: support@destek.example\r\nSubject: Slow\r\n"
           b"Message-ID: <flowed-1@example.com>\r\n"
           b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\n"
           b"The control panel takes a minute to load every \r\n"
           b"page since yesterday.\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert row.ticket_message.body_text == (
        "The control panel takes a minute to load everypage since yesterday.")


def test_an_outlook_rtf_only_body_is_stored_as_text(mail_settings):
    from destek.mail.tests.tnef_builder import tnef_with_rtf_body

    blob = tnef_with_rtf_body(rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Calibri;}}\f0 Please renew "
                              rb"{\b example.com}.\par Thanks}")
    raw = (b"From: deniz@example.com\r\nTo: support@destek.example\r\nSubject: Renewal\r\n"
           b"Message-ID: <rtf-1@example.com>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
           b"--b\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(blob)
           + b"--b--\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    assert row.ticket_message.body_text == "Please renew example.com.\nThanks"
    assert _names(row) == []


def test_a_second_html_part_is_not_merged_into_the_body(mail_settings):
    raw = (b"From: deniz@example.com\r\nTo: support@destek.example\r\nSubject: Report\r\n"
           b"Message-ID: <html2-1@example.com>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
           b"--b\r\nContent-Type: text/html\r\n\r\n<p>The report:</p>\r\n"
           b"--b\r\nContent-Type: text/html\r\n\r\n<table><tr><td>CPU</td></tr></table>\r\n"
           b"--b--\r\n")
    outcome, row = _process(raw)
    assert outcome == processing.Outcome.TICKET, row.error
    # Not merged into the body: a part of its own, which the attachment policy (HTML is
    # active content) refuses with a visible note; an admin can take it from the raw message.
    body = row.ticket_message.body_text
    assert body.startswith("The report:")
    assert "CPU" not in body
    assert ".html" in body
