"""The parser's pieces: charsets, headers, quotes, auto-replies, bounces, tokens and limits."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from destek.mail.parsing import Limits, UnparseableEmail, parse_email, ticket_token_in_subject
from destek.mail.parsing.charsets import decode_bytes, normalize_label
from destek.mail.parsing.headers import decode_text, parse_addresses, parse_message_ids
from destek.mail.parsing.quotes import split_reply
from destek.mail.parsing.tnef import unpack

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TURKISH = "Çağrı ğüşıöç İŞĞÜ"


def mail(headers: str, body: bytes = b"Merhaba\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body


# charsets -------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["x-unknown", "none", "unknown-8bit", "", "rot13", "base64",
                                   "zlib", "unicode_escape", "\"bogus\""])
def test_unknown_or_unsafe_labels_fall_back_to_text(label: str) -> None:
    assert decode_bytes(TURKISH.encode("utf-8"), declared=label) == TURKISH


def test_declared_turkish_charsets_are_honoured() -> None:
    assert decode_bytes(TURKISH.encode("iso-8859-9"), declared="ISO-8859-9") == TURKISH
    assert decode_bytes(TURKISH.encode("cp1254"), declared="windows-1254") == TURKISH
    assert decode_bytes(TURKISH.encode("iso-8859-9"), declared="latin5") == TURKISH
    assert normalize_label("unicode-escape") == ""


def test_mislabelled_utf8_and_utf7() -> None:
    assert decode_bytes(TURKISH.encode("utf-8"), declared="us-ascii") == TURKISH
    assert decode_bytes("Hi Mom -☺-!".encode("utf-7"), declared="utf-7") == "Hi Mom -☺-!"
    assert decode_bytes(b"caf\xe9 \x00ok", declared="x-unknown").endswith("ok")
    assert "\x00" not in decode_bytes(b"a\x00b")


# headers --------------------------------------------------------------------------------------

def test_rfc2047_words_broken_and_split_across_words() -> None:
    ü = "=?utf-8?B?w7w=?="
    assert decode_text("=?utf-8?B?w7w?=") == "ü"  # missing padding
    assert decode_text(f"{ü} {ü}") == "üü"  # whitespace between words is dropped
    assert decode_text("=?utf-8?Q?=C4?= =?utf-8?Q?=9F?=") == "ğ"  # one character, two words
    assert decode_text("Re:=?iso-8859-9?Q?_=DD=FEim?=") == "Re: İşim"  # inside a word
    assert decode_text("=?x-unknown?Q?caf=C3=A9?=") == "café"
    assert decode_text("=?utf-8?B?!!!?=") == ""
    assert decode_text("=?UTF-8?B?GF0aWxkZXlpbSAtIEkgYW0gb24gaG9saWRheQ==?=")  # 4n+1 characters
    assert decode_text("  a \r\n\t b  ") == "a b"


def test_raw_8bit_headers_are_decoded() -> None:
    assert decode_text("\udcc3\udcbc") == "ü"  # UTF-8 bytes as the parser keeps them
    assert decode_text("G\udcfcl\udcfeen", hint="windows-1254") == "Gülşen"


def test_addresses_are_lowercased_and_groups_flattened() -> None:
    assert parse_addresses('"Doğan, A." <A.Dogan@Example.COM>, x@Y.org') == [
        ("Doğan, A.", "a.dogan@example.com"), ("", "x@y.org"),
    ]
    assert parse_addresses("Team: a@x.org, b@x.org;") == [("", "a@x.org"), ("", "b@x.org")]
    assert parse_addresses("tim@a.example concierge@a.example") == [
        ("", "tim@a.example"), ("", "concierge@a.example"),
    ]
    assert parse_addresses("Whomever") == []
    assert parse_addresses("undisclosed-recipients:;") == []


def test_message_ids_without_brackets() -> None:
    assert parse_message_ids("<a@b> <c@d>\r\n <e@f>") == ["a@b", "c@d", "e@f"]
    assert parse_message_ids("bare@id") == ["bare@id"]
    assert parse_message_ids('Your message of "Mon" <x@y>') == ["x@y"]


def test_headers_of_a_whole_message() -> None:
    raw = mail(
        "From: =?windows-1254?Q?=DDlker?= <ILKER@Example.COM>\n"
        "To: a@x.org, B@X.org\nCc: undisclosed-recipients:;\n"
        "Subject: =?utf-8?Q?=C3=B6deme?=\n   hakk\u0131nda\n".replace("\u0131", "i")
        + "Message-ID: <abc@x>\nIn-Reply-To: <p@x>\nReferences: <r@x>\n <p@x>\n"
        "Date: not a date\n"
    )
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.from_address) == ("İlker", "ilker@example.com")
    assert parsed.subject == "ödeme hakkinda"
    assert parsed.to == ("a@x.org", "b@x.org") and parsed.cc == ()
    assert parsed.message_id == "abc@x" and parsed.references == ("r@x", "p@x")
    assert parsed.date is None
    assert parsed.headers["subject"] == "ödeme hakkinda"


# bodies ---------------------------------------------------------------------------------------

def test_attachment_only_mail_has_no_body_but_keeps_the_file() -> None:
    raw = mail("From: a@x.org\nContent-Type: application/pdf; name=\"fatura.pdf\"\n"
               "Content-Transfer-Encoding: base64\n", b"JVBERi0xLjQK\r\n")
    parsed = parse_email(raw)
    assert parsed.text == ""
    assert [(a.filename, a.content) for a in parsed.attachments] == [("fatura.pdf", b"%PDF-1.4\n")]


def test_missing_boundary_keeps_the_text() -> None:
    raw = mail("From: a@x.org\nContent-Type: multipart/mixed\n",
               b"Sunucum yan\xc4\xb1t vermiyor\r\n")
    parsed = parse_email(raw)
    assert parsed.text == "Sunucum yanıt vermiyor"
    assert "NoBoundaryInMultipartDefect" in parsed.defects


def test_truncated_message_keeps_what_arrived() -> None:
    raw = (FIXTURES / "inline-image.eml").read_bytes()
    parsed = parse_email(raw[: len(raw) * 2 // 3])
    assert parsed.text == "Panelde bu hatayı alıyorum:"
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_attachment_names_are_made_safe() -> None:
    raw = mail("From: a@x.org\nContent-Type: multipart/mixed; boundary=b\n",
               b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
               b"Content-Type: application/octet-stream; name=\"../../etc/passwd\"\r\n\r\nx\r\n"
               b"--b\r\nContent-Type: image/gif\r\n\r\nGIF89a\r\n--b--\r\n")
    names = [a.filename for a in parse_email(raw).attachments]
    assert names == ["passwd", "image-2.gif"]


def test_flawed_transfer_encoding_value_is_still_decoded() -> None:
    raw = mail("From: a@x.org\nContent-Type: text/plain; charset=utf-8\n"
               "Content-Transfer-Encoding: quoted-printable   \n", b"g=C3=BCzel\r\n")
    assert parse_email(raw).text == "güzel"


# quotes and signatures --------------------------------------------------------------------------

def test_inline_replies_are_not_cut() -> None:
    body = "On Mon, Ali wrote:\n> Is the server up?\nYes, since 10:00.\n> And mail?\nAlso fine."
    split = split_reply(body)
    assert split.text == body and split.quoted == ""


def test_trailing_gt_quotes_without_attribution_are_quoted() -> None:
    split = split_reply("Done, thanks.\n\n> please restart nginx\n> thanks")
    assert (split.text, split.quoted) == ("Done, thanks.", "> please restart nginx\n> thanks")


def test_mobile_signature_and_a_listing_with_dashes() -> None:
    split = split_reply("-rw-r--r-- 1 web web 0 index.php\nis empty\n\niPhone'umdan gönderildi")
    assert split.text == "-rw-r--r-- 1 web web 0 index.php\nis empty"
    assert split.signature == "iPhone'umdan gönderildi"


def test_all_quoted_mail_keeps_its_text() -> None:
    body = "-----Original Message-----\nFrom: x@y\nSent: today\nTo: z@y\n\nhello"
    assert split_reply(body).text == body


# auto-replies and bounces ----------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "expected"), [
    ("Auto-Submitted: auto-generated\nSubject: Hi\n", True),
    ("Auto-Submitted: no\nSubject: Hi\n", False),
    ("Precedence: bulk\nSubject: Hi\n", True),
    ("X-Autoreply: yes\nSubject: Hi\n", True),
    ("X-Autorespond: yes\nSubject: Hi\n", True),
    ("X-Auto-Response-Suppress: OOF\nSubject: Out of Office\n", True),
    ("X-Auto-Response-Suppress: All\nSubject: Invoice\n", False),
    ("Subject: =?utf-8?Q?=C4=B0zindeyim?=\n", True),
    ("Subject: Ofis =?utf-8?Q?d=C4=B1=C5=9F=C4=B1nda?=: Mart\n", True),
    ("Subject: Out of Office: Re: backup\n", True),
    ("Subject: Auto reply not working in my mailbox\n", False),
    ("Subject: Question about vacation\n", False),
    ("Return-Path: <>\nSubject: Re: I am on vacation\n", True),
])
def test_auto_reply_detection(headers: str, expected: bool) -> None:
    parsed = parse_email(mail("From: a@x.org\n" + headers))
    assert parsed.is_auto_reply is expected
    assert bool(parsed.auto_reply_reason) is expected


def test_non_rfc_bounce_from_mailer_daemon() -> None:
    raw = mail("From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
               "Subject: Mail delivery failed: returning message to sender\n",
               b"This message was created automatically by mail delivery software.\r\n\r\n"
               b"A message that you sent could not be delivered to one or more of its\r\n"
               b"recipients. This is a permanent error. The following address(es) failed:\r\n"
               b"\r\n  Gone@Musteri.example\r\n    host mx.musteri.example [198.51.100.7]\r\n")
    parsed = parse_email(raw)
    assert parsed.is_bounce
    assert parsed.bounced_recipients == ("gone@musteri.example",)


def test_a_customer_mentioning_delivery_failure_is_not_a_bounce() -> None:
    parsed = parse_email(mail("From: a@x.org\nSubject: Mail delivery failed for my domain\n"))
    assert not parsed.is_bounce


# tokens ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "token"), [
    ("Re: [#T-100042] Sunucu", "T-100042"),
    ("YNT: [ #t-100042 ] x", "T-100042"),
    ("Fwd: [T-1234567] y", "T-1234567"),
    ("T-100042 without brackets", None),
    ("[#T-42] too short", None),
    ("[#T-١٠٠٠٤٢] Arabic-Indic digits", None),
    ("", None),
])
def test_ticket_token_in_subject(subject: str, token: str | None) -> None:
    assert ticket_token_in_subject(subject) == token


# limits and failures ----------------------------------------------------------------------------

def test_empty_input_is_unparseable() -> None:
    with pytest.raises(UnparseableEmail):
        parse_email(b" \r\n ")


def test_oversized_message_keeps_headers_only(settings) -> None:  # type: ignore[no-untyped-def]
    raw = (FIXTURES / "inline-image.eml").read_bytes()
    settings.DESTEK_MAIL_MAX_BYTES = 1000  # read at call time
    parsed = parse_email(raw)
    assert parsed.subject == "Hata ekran görüntüsü"
    assert parsed.text == "" and parsed.attachments == ()
    assert parsed.defects[0].startswith("message too large")
    assert parsed.size == len(raw)


def test_too_many_parts_stop_early() -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % n for n in range(50))
    raw = mail("From: a@x.org\nContent-Type: multipart/mixed; boundary=b\n", parts + b"--b--\r\n")
    parsed = parse_email(raw, limits=Limits(max_parts=10))
    assert "too many MIME parts: stopped after 10" in parsed.defects
    assert "part 5" in parsed.text and "part 20" not in parsed.text


def test_deep_nesting_stops_with_a_defect() -> None:
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (n, n + 1)
                    for n in range(30))
    raw = mail("From: a@x.org\nContent-Type: multipart/mixed; boundary=b0\n",
               body + b"--b30\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
    parsed = parse_email(raw)
    assert "MIME nesting deeper than 10: not read" in parsed.defects
    assert parsed.text == ""


def test_very_deep_nesting_does_not_raise() -> None:
    body = b"".join(b"--b%d\r\nContent-Type: message/rfc822\r\n\r\n" % n for n in range(3000))
    raw = mail("From: a@x.org\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n", body)
    parsed = parse_email(raw)
    assert parsed.subject == "deep"
    assert parsed.defects


def test_recipient_lists_are_truncated() -> None:
    to = ", ".join(f"user{n}@x.org" for n in range(150))
    parsed = parse_email(mail(f"From: a@x.org\nTo: {to}\n"), limits=Limits(max_recipients=100))
    assert len(parsed.to) == 100
    assert "To has 150 addresses: kept the first 100" in parsed.defects


def test_tnef_with_hostile_counts_stops_within_its_budget() -> None:
    # An ATTMAPIPROPS object claiming 2**31 properties: tnefparse would loop for hours.
    body = struct.pack("<I", 0x7FFFFFFF) + b"\x00" * 8
    header = struct.pack("<IH", 0x223E9F78, 1) + bytes([1])
    blob = header + struct.pack("<HHI", 0x9003, 6, len(body)) + body + b"\x00\x00"
    result = unpack(blob, max_files=10, max_bytes=10_000)
    assert result.files == []
    assert result.defects == ["winmail.dat too complex: not unpacked"]


def test_tnef_output_is_capped() -> None:
    raw = (FIXTURES / "outlook-tnef.eml").read_bytes()
    parsed = parse_email(raw, limits=Limits(max_unpacked_bytes=300))
    assert [a.filename for a in parsed.attachments] == ["AUTHORS"]
    assert "winmail.dat holds more than the unpacking limit: rest dropped" in parsed.defects
