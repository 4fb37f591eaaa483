"""Signed and encrypted parts and office files are kept; only active content is refused, with
a note saying what and why in the mail's language; an administrator downloads a refused part
from the stored raw message (issue 13, fault 5). Messages are written here for the purpose."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.models import Role, User
from destek.audit.models import Action, AuditEvent
from destek.mail import processing
from destek.mail.doors import smtpd
from destek.mail.models import InboundEmail, InboundState, Mailbox
from destek.mail.parsing import parse_email
from destek.mail.policies import attachment_verdicts
from destek.mail.tests.doors_helpers import free_port, make_mailbox

PE = b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00" + b"\x4c\x01"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 2
PGP_SIGNATURE = (b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n"
                 b"-----END PGP SIGNATURE-----\n")
PKCS7 = b"0\x82\x02\x10\x06\t*\x86H\x86\xf7\r\x01\x07\x02\xa0" + bytes(range(200))
PGP_MESSAGE = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA1234567890\n=wxyz\n-----END PGP MESSAGE-----\n"


def _header(message: EmailMessage, *, subject: str, sender: str = "deniz@example.com") -> None:
    message["From"] = f"Deniz <{sender}>"
    message["To"] = "support@destek.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash(subject))}@example.com>"


def office_and_active_mail(*, body: str = "Please see the attached files.",
                           subject: str = "Files for the migration", charset: str = "utf-8",
                           ) -> bytes:
    """One mail: a PGP-signed text with office files, a signature and an S/MIME payload
    attached, next to a program, a script, a web page and a program disguised as a PDF."""
    message = EmailMessage()
    _header(message, subject=subject)
    message.set_content(body, charset=charset)
    parts = [
        (OLE, "application", "vnd.ms-excel", "report.xls"),
        (OLE, "application", "msword", "letter.doc"),
        (b"domain,expires\nexample.com,2027-01-01\n", "text", "csv", "domains.csv"),
        (b"{\\rtf1\\ansi Hello}", "application", "rtf", "memo.rtf"),
        (PGP_SIGNATURE, "application", "pgp-signature", "signature.asc"),
        (PKCS7, "application", "pkcs7-signature", "smime.p7s"),
        (PKCS7, "application", "pkcs7-mime", "smime.p7m"),
        (PE, "application", "octet-stream", "setup.exe"),
        (b"@echo off\r\ndel /q *\r\n", "application", "octet-stream", "clean.bat"),
        (b"<html><body><script>alert(1)</script></body></html>", "text", "html", "page.html"),
        (PE, "application", "pdf", "invoice.pdf"),
    ]
    for content, maintype, subtype, name in parts:
        if maintype == "text":
            message.add_attachment(content.decode(), subtype=subtype, filename=name)
        else:
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


KEPT = ["report.xls", "letter.doc", "domains.csv", "memo.rtf", "signature.asc", "smime.p7s",
        "smime.p7m"]
REFUSED = ["setup.exe", "clean.bat", "page.html", "invoice.pdf"]


def pgp_signed_mail() -> bytes:
    """RFC 3156 multipart/signed: the text and its detached signature."""
    return (b"From: Deniz <deniz@example.com>\nTo: support@destek.example\n"
            b"Subject: Signed request\nMessage-ID: <sig-1@example.com>\n"
            b"MIME-Version: 1.0\nContent-Type: multipart/signed; micalg=pgp-sha256; "
            b"protocol=\"application/pgp-signature\"; boundary=\"sig\"\n\n"
            b"--sig\nContent-Type: text/plain; charset=utf-8\n\nPlease renew example.com.\n"
            b"--sig\nContent-Type: application/pgp-signature; name=\"signature.asc\"\n"
            b"Content-Disposition: attachment; filename=\"signature.asc\"\n\n"
            + PGP_SIGNATURE + b"--sig--\n")


def pgp_encrypted_mail() -> bytes:
    """RFC 3156 multipart/encrypted: the version part and the encrypted octet-stream."""
    return (b"From: Deniz <deniz@example.com>\nTo: support@destek.example\n"
            b"Subject: Encrypted credentials\nMessage-ID: <enc-1@example.com>\n"
            b"MIME-Version: 1.0\nContent-Type: multipart/encrypted; "
            b"protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\n\n"
            b"--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
            b"--enc\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n"
            b"Content-Disposition: inline; filename=\"encrypted.asc\"\n\n"
            + PGP_MESSAGE + b"\n--enc--\n")


def smime_encrypted_mail() -> bytes:
    """RFC 8551: the whole body is one application/pkcs7-mime enveloped-data part."""
    message = EmailMessage()
    _header(message, subject="S/MIME encrypted")
    message.set_content(PKCS7, maintype="application", subtype="pkcs7-mime",
                        params={"smime-type": "enveloped-data"}, filename="smime.p7m",
                        disposition="attachment")
    return message.as_bytes()


# --- parser level -------------------------------------------------------------------------

def test_the_parser_keeps_every_part_and_the_policy_refuses_only_active_content(db) -> None:
    mail = parse_email(office_and_active_mail())
    names = [a.filename for a in mail.attachments]
    assert names == KEPT + REFUSED
    verdicts = {v.attachment.filename: v for v in attachment_verdicts(mail)}
    assert [n for n in names if verdicts[n].kept] == KEPT
    for name in REFUSED:
        assert name in verdicts[name].note and "administrator" in verdicts[name].note
    assert "program" in verdicts["setup.exe"].note and ".exe" in verdicts["setup.exe"].note
    assert "script" in verdicts["clean.bat"].note
    assert "browser" in verdicts["page.html"].note
    # the disguised program is recognised by its bytes, not its name or declared type
    assert "content" in verdicts["invoice.pdf"].note


@pytest.mark.parametrize(("raw", "kept"), [
    (pgp_signed_mail(), [("signature.asc", "application/pgp-signature")]),
    (pgp_encrypted_mail(), [("attachment-1.pgp", "application/pgp-encrypted"),
                            ("encrypted.asc", "application/octet-stream")]),
    (smime_encrypted_mail(), [("smime.p7m", "application/pkcs7-mime")]),
])
def test_signed_and_encrypted_mail_keeps_its_signature_and_payload(db, raw, kept) -> None:
    mail = parse_email(raw)
    verdicts = attachment_verdicts(mail)
    assert [(v.attachment.filename, v.attachment.content_type) for v in verdicts
            if v.kept] == kept
    assert not [v for v in verdicts if not v.kept]


# --- pipeline: the SMTP door, the processing task, the ticket ----------------------------

@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr("destek.mail.store._stored", lambda pk: None)  # processed below
    port = free_port()
    controller = smtpd.smtp_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_mailbox(department, settings) -> Mailbox:
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    return make_mailbox(department=department, address="support@destek.example")


def deliver(port: int, raw: bytes) -> InboundEmail:
    before = set(InboundEmail.objects.values_list("pk", flat=True))
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("deniz@example.com", ["support@destek.example"], raw)
    [row] = InboundEmail.objects.exclude(pk__in=before)
    assert processing.process(row.pk) == processing.Outcome.TICKET
    row.refresh_from_db()
    assert row.state == InboundState.PROCESSED
    return row


@pytest.mark.django_db(transaction=True)
def test_through_the_smtp_door_office_and_signed_files_are_filed_active_content_noted(
        server, smtp_mailbox) -> None:
    row = deliver(server, office_and_active_mail())
    message = row.ticket_message
    stored = {a.original_name: a for a in message.attachments.all()}
    assert sorted(stored) == sorted(KEPT)
    with stored["report.xls"].file.open("rb") as handle:
        assert handle.read() == OLE
    for name in REFUSED:
        assert f"{name} was not stored" in message.body_text
    assert "it is a program (.exe)" in message.body_text


@pytest.mark.django_db(transaction=True)
def test_the_note_is_written_in_the_mails_language(server, smtp_mailbox) -> None:
    row = deliver(server, office_and_active_mail(
        subject="Taşıma için dosyalar", body="Merhaba, dosyalar ektedir. Teşekkürler.",
        charset="iso-8859-9"))
    text = row.ticket_message.body_text
    assert "setup.exe kaydedilmedi" in text and "program" in text
    assert "was not stored" not in text


@pytest.mark.django_db(transaction=True)
def test_through_the_smtp_door_encrypted_mail_is_filed_with_its_payload(
        server, smtp_mailbox) -> None:
    row = deliver(server, pgp_encrypted_mail())
    names = sorted(a.original_name for a in row.ticket_message.attachments.all())
    assert names == ["attachment-1.pgp", "encrypted.asc"]
    assert "not stored" not in row.ticket_message.body_text


# --- the administrator's download of a refused part ----------------------------------------

def _stored(raw: bytes, mailbox: Mailbox) -> InboundEmail:
    from destek.mail.store import store_raw

    row = store_raw(raw=raw, source="smtp").email
    processing.process(row.pk)
    row.refresh_from_db()
    return row


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("root@destek.example", "pw")


def _part_url(row: InboundEmail, name: str) -> str:
    names = [a.filename for a in parse_email(bytes(row.raw)).attachments]
    return reverse("admin:mail_inboundemail_part", args=[row.pk, names.index(name)])


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_an_admin_downloads_a_refused_part_exactly_and_safely(
        client: Client, admin_user, mailbox, settings, name) -> None:
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    raw = office_and_active_mail()
    row = _stored(raw, mailbox)
    expected = next(a.content for a in parse_email(raw).attachments if a.filename == name)
    client.force_login(admin_user)
    page = client.get(reverse("admin:mail_inboundemail_change", args=[row.pk]))
    assert page.status_code == 200
    assert _part_url(row, name).encode() in page.content
    response = client.get(_part_url(row, name))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == expected
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    taken = AuditEvent.objects.get(action=Action.REFUSED_PART_DOWNLOADED)
    assert (taken.actor, taken.target, taken.detail["name"]) == (
        admin_user, f"inbound_email:{row.pk}", name)


@pytest.mark.django_db
def test_nobody_but_an_admin_gets_a_part(client: Client, customer, agent, mailbox,
                                         settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    row = _stored(office_and_active_mail(), mailbox)
    url = _part_url(row, "setup.exe")
    assert client.get(url).status_code == 404  # anonymous
    supervisor = User.objects.create_user("sup@destek.example", "pw", role=Role.SUPERVISOR,
                                          is_staff=True, is_superuser=True)
    for user in (customer, agent, supervisor):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.role
    admin = User.objects.create_superuser("root@destek.example", "pw")
    client.force_login(admin)
    assert client.get(url).status_code == 200
    bad = reverse("admin:mail_inboundemail_part", args=[row.pk, 99])
    assert client.get(bad).status_code == 404


@pytest.mark.django_db
def test_the_desk_links_an_admin_from_the_note_to_the_received_email(
        client: Client, agent, mailbox, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    row = _stored(office_and_active_mail(), mailbox)
    ticket_url = reverse("desk:ticket", args=[row.ticket_id])
    link = reverse("admin:mail_inboundemail_change", args=[row.pk]).encode()
    client.force_login(agent)
    page = client.get(ticket_url)
    assert page.status_code == 200 and b"setup.exe was not stored" in page.content
    assert link not in page.content
    client.force_login(User.objects.create_superuser("root@destek.example", "pw"))
    page = client.get(ticket_url)
    assert page.status_code == 200 and link in page.content
    assert f'data-testid="received-email-{row.ticket_message_id}"'.encode() in page.content
