"""The admin: failures are visible and can be retried; templates are validated."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from destek.accounts.models import User
from destek.notifications.models import EmailTemplate, OutboundEmail, OutboxStatus
from destek.notifications.outbox import outbox_email_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root@example.com", "x-Long-password-42")
    client.force_login(admin)
    return client


def failed_row() -> OutboundEmail:
    row = outbox_email_create(message=mail.EmailMessage("Lost", "Body", None, ["a@example.com"]))
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboxStatus.FAILED, attempts=8, last_error="SMTPConnectError: refused")
    return row


def test_outbox_list_shows_failures_with_their_error(admin_client):
    failed_row()
    url = reverse("admin:notifications_outboundemail_changelist")
    response = admin_client.get(url, {"status__exact": "failed"})
    assert response.status_code == 200
    assert b"SMTPConnectError: refused" in response.content
    detail = admin_client.get(
        reverse("admin:notifications_outboundemail_change", args=[OutboundEmail.objects.get().pk]))
    assert detail.status_code == 200
    assert b"Lost" in detail.content


def test_retry_now_requeues_and_delivers(admin_client, settings,
                                         django_capture_on_commit_callbacks):
    row = failed_row()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_outboundemail_changelist"),
            {"action": "retry_now", "_selected_action": [row.pk]},
        )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert (settings.DESTEK_SENT_MAIL_DIR / f"{row.pk}.eml").exists()


def test_sent_rows_are_not_retried(admin_client):
    row = outbox_email_create(message=mail.EmailMessage("s", "b", None, ["a@example.com"]))
    OutboundEmail.objects.filter(pk=row.pk).update(status=OutboxStatus.SENT)
    admin_client.post(reverse("admin:notifications_outboundemail_changelist"),
                      {"action": "retry_now", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT


def test_template_with_syntax_error_is_refused(admin_client):
    response = admin_client.post(reverse("admin:notifications_emailtemplate_add"), {
        "key": "agent_reply", "language": "tr", "subject": "{% if %}", "body": "ok",
    })
    assert response.status_code == 200
    assert b"Template error" in response.content
    assert not EmailTemplate.objects.exists()


def test_new_template_starts_from_the_shipped_one(admin_client):
    response = admin_client.get(reverse("admin:notifications_emailtemplate_add"),
                                {"key": "ticket_opened", "language": "tr"})
    assert response.status_code == 200
    assert "Talebiniz alındı" in response.content.decode()
