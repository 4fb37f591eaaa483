"""Issue 13, faults 3, 4, 6 and 8 at parser level: image-only mail, damaged headers, parts lost
or misnamed, format=flowed text and winmail.dat bodies in RTF. Every message is written here."""

from __future__ import annotations

import base64

import pytest

from destek.mail.parsing import parse_email
from destek.mail.parsing.flowed import unflow
from destek.mail.parsing.headers import choose_sender, parse_addresses
from destek.mail.tests.tnef_builder import tnef_with_rtf_body

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


def _mail(headers: bytes, body: bytes = b"Hello.\r\n") -> bytes:
    return headers + b"\r\n" + body


# --- fault 4: where the headers start, who sent it -----------------------------------------

@pytest.mark.parametrize("prefix", [
    b"From someone@example.com Mon Dec  7 03:00:00 2026\r\n",
    b"---- Original email message ----\r\n",
    b"-----Original Message-----\r\n\r\n",
    b"\r\n\r\n  \r\n",
    b">From the archive\r\n",
])
def test_the_header_block_is_found_after_what_precedes_it(prefix: bytes) -> None:
    mail = parse_email(prefix + _mail(b"From: Ece <ece@example.com>\r\nSubject: Disk full\r\n"
                                      b"Message-ID: <a@example.com>\r\n"))
    assert (mail.from_address, mail.from_name) == ("ece@example.com", "Ece")
    assert mail.subject == "Disk full"
    assert mail.message_id == "a@example.com"
    assert mail.text == "Hello."


def test_a_body_that_only_looks_like_headers_is_not_taken_for_them() -> None:
    raw = b"Just some text\r\nwithout any headers: here\r\n\r\nmore\r\n"
    mail = parse_email(raw)
    assert mail.from_address == ""
    assert "Just some text" in mail.full_text


@pytest.mark.parametrize(("value", "name", "address"), [
    ('"Ayşe Yılmaz" <ayse@example.com>'.encode(), "Ayşe Yılmaz", "ayse@example.com"),
    ("Ayşe Yılmaz <ayse@example.com>".encode(), "Ayşe Yılmaz", "ayse@example.com"),
    (b'"Joe <joe@example.com>', "Joe", "joe@example.com"),
    (b"<Joe> joe@example.com", "Joe", "joe@example.com"),
    (b"Joe Smith joe@example.com", "Joe Smith", "joe@example.com"),
    (b'"Joe" <<joe@example.com>>', "Joe", "joe@example.com"),
    (b"Joe <joe@example.com", "Joe", "joe@example.com"),
    (b'"Smith, Joe" <joe@example.com>, ann@example.com', "Smith, Joe", "joe@example.com"),
    (b"[Support] <joe@example.com>", "Support", "joe@example.com"),
])
def test_malformed_from_headers_keep_their_sender(value: bytes, name: str, address: str) -> None:
    mail = parse_email(_mail(b"From: " + value + b"\r\nSubject: x\r\n"))
    assert (mail.from_name, mail.from_address) == (name, address)
    assert mail.sender_field == "from"


def test_several_addresses_in_from_are_all_found() -> None:
    found = parse_addresses('<Ann> ann@example.com, "Bob" bob@example.com')
    assert [address for _, address in found] == ["ann@example.com", "bob@example.com"]


@pytest.mark.parametrize(("headers", "field", "address"), [
    ({"from": "Ece", "sender": "s@example.com", "reply-to": "r@example.com"}, "sender",
     "s@example.com"),
    ({"from": "", "reply-to": "Ece <r@example.com>", "return-path": "<b@example.com>"},
     "reply-to", "r@example.com"),
    ({"from": "undisclosed", "return-path": "<b@example.com>"}, "return-path", "b@example.com"),
    ({"from": "Ece", "return-path": "<>"}, "", ""),
])
def test_the_sender_falls_back_in_order(headers: dict[str, str], field: str,
                                        address: str) -> None:
    _name, found, used = choose_sender(headers)
    assert (found, used) == (address, field)


def test_the_fallback_is_recorded_and_keeps_the_from_name() -> None:
    mail = parse_email(_mail(b"From: Ece Kaya\r\nReply-To: <ece@example.com>\r\nSubject: x\r\n"))
    assert (mail.from_name, mail.from_address, mail.sender_field) == (
        "Ece Kaya", "ece@example.com", "reply-to")
    assert any("Reply-To" in defect for defect in mail.defects)


# --- fault 6: parts lost, merged, misnamed --------------------------------------------------

def test_parts_after_an_early_close_delimiter_are_recovered() -> None:
    raw = _mail(b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
                b"--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n--b--\r\n"
                b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                b"\r\nJVBERi0xLjQK\r\n--b--\r\n")
    mail = parse_email(raw)
    assert mail.text == "See the file."
    assert [(a.filename, a.content) for a in mail.attachments] == [
        ("attachment-1.pdf", b"%PDF-1.4\n")]


def test_an_inner_multipart_reusing_the_outer_boundary_loses_no_part() -> None:
    raw = _mail(b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
                b'--b\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
                b"--b\r\nContent-Type: text/plain\r\n\r\nBody.\r\n--b--\r\n"
                b"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n"
                b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--b--\r\n")
    mail = parse_email(raw)
    assert mail.text == "Body."
    assert [a.filename for a in mail.attachments] == ["invite.ics"]


def test_a_second_inline_html_part_is_kept_as_a_file_not_merged() -> None:
    raw = _mail(b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
                b"--b\r\nContent-Type: text/html\r\n\r\n<p>See the report.</p>\r\n"
                b"--b\r\nContent-Type: text/html\r\n\r\n<html><body><table><tr><td>CPU 99%"
                b"</td></tr></table></body></html>\r\n--b--\r\n")
    mail = parse_email(raw)
    assert mail.text == "See the report."
    assert "CPU" not in mail.html
    [report] = mail.attachments
    assert (report.filename, report.content_type) == ("part-1.html", "text/html")
    assert b"CPU 99%" in report.content


def test_nameless_parts_are_named_from_their_type_content_or_subject() -> None:
    raw = _mail(
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nFiles.\r\n"
        b"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(PNG) + b"\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\nJVBERi0xLjQK\r\n"
        b"--b\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        b"--b\r\nContent-Type: image/jpg\r\nContent-Disposition: attachment\r\n\r\nxx\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: b@example.com\r\nSubject: =?utf-8?q?Fatura_/_=C3=B6deme?=\r\n\r\nInner.\r\n"
        b"--b--\r\n")
    mail = parse_email(raw)
    assert [a.filename for a in mail.attachments] == [
        "image-1.png", "attachment-2.pdf", "invite.ics", "image-4.jpg", "Fatura _ ödeme.eml"]


# --- fault 3: the image is the content ------------------------------------------------------

def test_a_data_uri_screenshot_becomes_an_inline_attachment() -> None:
    data = base64.b64encode(PNG)
    mail = parse_email(_mail(b"From: a@example.com\r\nContent-Type: text/html\r\n",
                             b"<div><img alt=x src='data:image/png;base64," + data + b"'></div>"))
    [image] = mail.attachments
    assert (image.content, image.content_type, image.inline) == (PNG, "image/png", True)
    assert f'src="cid:{image.content_id}"' in mail.html
    assert "data:" not in mail.html


# --- fault 8: format=flowed and RTF bodies --------------------------------------------------

def test_format_flowed_is_unwrapped() -> None:
    body = (b"Our backup job fails every night since we \r\nmoved to the new plan.\r\n"
            b" From the logs it is the quota.\r\n\r\n"
            b"> Did you check the \r\n> quota?\r\n-- \r\nEce\r\n")
    mail = parse_email(_mail(
        b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n",
        body))
    assert mail.full_text.splitlines()[:3] == [
        "Our backup job fails every night since we moved to the new plan.",
        "From the logs it is the quota.", ""]
    assert "> Did you check the quota?" in mail.full_text


def test_format_flowed_delsp_removes_the_soft_break_space() -> None:
    assert unflow("Merhaba, sunucu yan \nıt vermiyor.", delsp=True) == (
        "Merhaba, sunucu yanıt vermiyor.")
    mail = parse_email(_mail(
        b"From: a@example.com\r\n"
        b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n",
        "Sunucu yan \r\nıt vermiyor.\r\n".encode()))
    assert mail.text == "Sunucu yanıt vermiyor."


def test_fixed_text_is_left_alone() -> None:
    mail = parse_email(_mail(b"From: a@example.com\r\nContent-Type: text/plain\r\n",
                             b"line one \r\nline two\r\n"))
    assert mail.text == "line one \nline two"


def test_a_winmail_dat_with_only_an_rtf_body_is_read() -> None:
    blob = tnef_with_rtf_body(
        rb"{\rtf1\ansi\ansicpg1254\deff0{\fonttbl{\f0 Calibri;}}\f0 Merhaba,\par "
        rb"sunucu yan\'fdt vermiyor.\par\par Hakan}")
    raw = _mail(
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(blob) + b"--b--\r\n")
    mail = parse_email(raw)
    assert mail.text == "Merhaba,\nsunucu yanıt vermiyor.\n\nHakan"
    assert mail.attachments == ()
