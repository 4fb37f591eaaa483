"""The email backend: every Django email (send_mail, allauth) becomes an outbox row."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.urls import reverse

from destek.notifications.mime import OutboxError
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.outbox import outbox_email_create

pytestmark = pytest.mark.django_db


def test_send_mail_is_written_to_outbox_and_delivered_after_commit(
    settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_mail("Hello", "Body text", None, ["someone@example.com"]) == 1
        row = OutboundEmail.objects.get()
        assert row.status == OutboxStatus.PENDING  # nothing sent before the commit
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.kind == "django"
    assert row.recipients == ["someone@example.com"]
    eml = (settings.DESTEK_SENT_MAIL_DIR / f"{row.pk}.eml").read_bytes()
    assert eml == row.raw_bytes
    parsed = message_from_bytes(eml, policy=policy.default)
    assert parsed["Message-ID"] == row.message_id
    assert row.message_id.endswith("@destek.localhost>")
    assert parsed["Subject"] == "Hello"


def test_rolled_back_transaction_leaves_no_email(settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Hello", "Body", None, ["someone@example.com"])
        raise RuntimeError
    assert not OutboundEmail.objects.exists()


def test_alternatives_attachments_cc_and_bcc_are_kept():
    message = EmailMultiAlternatives(
        "Invoice", "See attached.", "billing@example.com", to=["a@example.com"],
        cc=["b@example.com"], bcc=["hidden@example.com"], headers={"X-Test": "1"},
    )
    message.attach_alternative("<p>See <b>attached</b>.</p>", "text/html")
    message.attach("invoice.pdf", b"%PDF-1.4 fake", "application/pdf")
    message.send()
    row = OutboundEmail.objects.get()
    assert row.recipients == ["a@example.com", "b@example.com", "hidden@example.com"]
    assert row.body_text == "See attached."
    assert row.body_html == "<p>See <b>attached</b>.</p>"
    assert row.headers["X-Test"] == "1"
    parsed = message_from_bytes(row.raw_bytes, policy=policy.default)
    assert "hidden@example.com" not in row.raw_bytes.decode()  # Bcc is envelope-only
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content() == b"%PDF-1.4 fake"
    # The caller's object is not changed by the outbox (no Message-ID added to it).
    assert "Message-ID" not in message.extra_headers


def test_callers_message_id_is_kept():
    message = mail.EmailMessage("s", "b", None, ["a@example.com"],
                                headers={"Message-ID": "<mine@example.com>"})
    row = outbox_email_create(message=message)
    assert row.message_id == "<mine@example.com>"


def test_idempotency_key_writes_once():
    message = mail.EmailMessage("s", "b", None, ["a@example.com"])
    first = outbox_email_create(message=message, idempotency_key="k-1")
    second = outbox_email_create(message=message, idempotency_key="k-1")
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1


def test_message_without_recipients_is_refused():
    assert mail.EmailMessage("s", "b", None, []).send() == 0
    with pytest.raises(OutboxError):
        outbox_email_create(message=mail.EmailMessage("s", "b", None, []))


def test_allauth_password_reset_goes_through_outbox(client, customer,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": customer.email})
    assert response.status_code == 302
    row = OutboundEmail.objects.get()
    assert row.recipients == [customer.email]
    assert "/accounts/password/reset/key/" in row.body_text
    assert row.status == OutboxStatus.SENT


def test_allauth_signup_verification_goes_through_outbox(client,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {
            "email": "new@example.com", "password1": "a-Very-long-pass-42",
            "password2": "a-Very-long-pass-42",
        })
    assert response.status_code == 302
    row = OutboundEmail.objects.get()
    assert row.recipients == ["new@example.com"]
    assert row.status == OutboxStatus.SENT
