"""Provider webhooks: requests built as each provider documents them (Mailgun's signed form
post, Postmark's JSON, SendGrid's Inbound Parse form) reach anymail's views under
/mail/inbound/<provider>/ and end as stored raw messages; bad credentials store nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from email import policy
from email.parser import BytesParser

import pytest
from django.db import OperationalError
from django.test import Client

from destek.mail.doors import webhooks
from destek.mail.models import InboundEmail, InboundSource, Mailbox
from destek.mail.tests.doors_helpers import make_mailbox, message_bytes

pytestmark = pytest.mark.django_db

SIGNING_KEY = "mailgun-signing-key-for-tests"
BASIC_AUTH = "destek-hook:correct-horse-battery"


@pytest.fixture(autouse=True)
def _webhooks_configured(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": [BASIC_AUTH]}


@pytest.fixture
def mailbox(department) -> Mailbox:
    return make_mailbox(department=department)


def auth_header(credentials: str = BASIC_AUTH) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def mailgun_signature(*, key: str = SIGNING_KEY) -> dict[str, str]:
    timestamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()}


def multipart(fields: dict[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with exact field bytes (what the providers post)."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 .encode() + value + b"\r\n")
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_mailgun(client: Client, raw: bytes, *, key: str = SIGNING_KEY,
                 url: str = "/mail/inbound/mailgun_mime/"):  # type: ignore[no-untyped-def]
    fields = {"recipient": b"support+42@example.com", "sender": b"deniz@customer.example",
              "subject": b"Site is down", "body-mime": raw,
              **{k: v.encode() for k, v in mailgun_signature(key=key).items()}}
    body, content_type = multipart(fields)
    return client.post(url, body, content_type=content_type, **auth_header())


def test_mailgun_raw_mime_is_stored_byte_for_byte(client, mailbox):
    # 8-bit Latin-1 in the body: not valid UTF-8, kept exactly as sent.
    raw = message_bytes(body="caf\u00e9").replace("café".encode(), b"caf\xe9")
    response = post_mailgun(client, raw)
    assert response.status_code == 200, response.content
    row = InboundEmail.objects.get()
    assert bytes(row.raw) == raw
    assert (row.source, row.mailbox, row.envelope_to) == (
        InboundSource.WEBHOOK, mailbox, ["support+42@example.com"])


def test_mailgun_bad_signature_is_refused(client, mailbox):
    response = post_mailgun(client, message_bytes(), key="not-the-key")
    assert response.status_code == 400
    assert not InboundEmail.objects.exists()


def test_mailgun_parsed_fields_are_rebuilt_into_a_message(client, mailbox):
    data = {
        "recipient": "support@example.com", "sender": "deniz@customer.example",
        "from": "Deniz <deniz@customer.example>", "To": "support@example.com",
        "subject": "Parsed mode", "body-plain": "Hello from the parsed mode",
        "message-headers": json.dumps([["Message-Id", "<parsed-1@customer.example>"],
                                       ["Subject", "Parsed mode"]]),
        **mailgun_signature(),
    }
    response = client.post("/mail/inbound/mailgun/", data, **auth_header())
    assert response.status_code == 200, response.content
    row = InboundEmail.objects.get()
    message = BytesParser(policy=policy.default).parsebytes(bytes(row.raw))
    assert message["Subject"] == "Parsed mode"
    assert message.get_body(("plain",)).get_content().strip() == "Hello from the parsed mode"
    assert row.header_message_id == "parsed-1@customer.example"


def test_a_message_larger_than_the_web_form_limit_is_accepted(client, mailbox, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    raw = message_bytes(size=20_000)
    assert post_mailgun(client, raw).status_code == 200
    assert bytes(InboundEmail.objects.get().raw) == raw


def test_a_message_over_the_mail_limit_is_refused(client, mailbox, settings):
    settings.DESTEK_MAIL_MAX_BYTES = 1000
    response = post_mailgun(client, message_bytes(size=5000))
    assert response.status_code == 413
    assert not InboundEmail.objects.exists()


def test_postmark_raw_email_with_basic_auth(client, mailbox):
    raw = message_bytes(subject="Postmark")
    payload = {
        "FromFull": {"Email": "deniz@customer.example", "Name": "Deniz"},
        "ToFull": [{"Email": "support@example.com", "Name": ""}],
        "OriginalRecipient": "support@example.com",
        "Subject": "Postmark",
        "Headers": [{"Name": "Return-Path", "Value": "<deniz@customer.example>"}],
        "TextBody": "Please help.",
        "RawEmail": raw.decode(),
    }
    response = client.post("/mail/inbound/postmark/", json.dumps(payload),
                           content_type="application/json", **auth_header())
    assert response.status_code == 200, response.content
    row = InboundEmail.objects.get()
    assert bytes(row.raw) == raw
    assert row.mailbox == mailbox


def test_postmark_wrong_password_is_refused(client, mailbox):
    payload = {"RawEmail": message_bytes().decode()}
    for headers in (auth_header("destek-hook:wrong"), {}):
        response = client.post("/mail/inbound/postmark/", json.dumps(payload),
                               content_type="application/json", **headers)
        assert response.status_code == 400
    assert not InboundEmail.objects.exists()


def sendgrid_form(raw: bytes) -> tuple[bytes, str]:
    return multipart({
        "email": raw,
        "envelope": json.dumps({"to": ["support@example.com"],
                                "from": "deniz@customer.example"}).encode(),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}).encode(),
        "SPF": b"pass",
    })


def test_sendgrid_raw_mode_with_basic_auth(client, mailbox):
    raw = message_bytes(subject="SendGrid")
    body, content_type = sendgrid_form(raw)
    response = client.post("/mail/inbound/sendgrid/", body, content_type=content_type,
                           **auth_header())
    assert response.status_code == 200, response.content
    row = InboundEmail.objects.get()
    assert bytes(row.raw) == raw
    assert (row.mailbox, row.envelope_to) == (mailbox, ["support@example.com"])


def test_sendgrid_without_credentials_is_refused(client, mailbox):
    body, content_type = sendgrid_form(message_bytes())
    response = client.post("/mail/inbound/sendgrid/", body, content_type=content_type)
    assert response.status_code == 400
    assert not InboundEmail.objects.exists()


def test_a_storage_failure_asks_the_provider_to_retry(client, mailbox, monkeypatch):
    def down(**_kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(webhooks, "store_raw", down)
    body, content_type = sendgrid_form(message_bytes())
    response = client.post("/mail/inbound/sendgrid/", body, content_type=content_type,
                           **auth_header())
    assert response.status_code == 503


def test_a_redelivered_message_is_acknowledged_and_stored_once(client, mailbox):
    raw = message_bytes(message_id="again@customer.example")
    assert post_mailgun(client, raw).status_code == 200
    assert post_mailgun(client, raw).status_code == 200
    original = InboundEmail.objects.exclude(state="duplicate").get()
    assert InboundEmail.objects.get(state="duplicate").duplicate_of == original


def test_webhooks_are_disabled_until_configured(client, mailbox, settings):
    settings.ANYMAIL = {}
    body, content_type = sendgrid_form(message_bytes())
    for provider in ("mailgun", "mailgun_mime", "postmark", "sendgrid"):
        response = client.post(f"/mail/inbound/{provider}/", body, content_type=content_type,
                               **auth_header())
        assert response.status_code == 404, provider
    assert client.post("/mail/inbound/mandrill/", {}).status_code == 404
    assert not InboundEmail.objects.exists()


def test_a_malformed_payload_is_a_client_error(client, mailbox):
    response = client.post("/mail/inbound/postmark/", b"{not json",
                           content_type="application/json", **auth_header())
    assert response.status_code == 400
    body, content_type = multipart({"nothing": b"useful"})
    response = client.post("/mail/inbound/sendgrid/", body, content_type=content_type,
                           **auth_header())
    assert response.status_code == 400
    assert not InboundEmail.objects.exists()
