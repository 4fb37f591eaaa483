"""Admins see quarantined mail with its error, download it raw and process it again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from destek.accounts.models import User
from destek.mail import processing
from destek.mail.models import EmailAddressStatus, InboundEmail, InboundState
from destek.mail.parsing.types import UnparseableEmail
from destek.mail.tests.processing_helpers import parsed

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarantined(feeder, mailbox, monkeypatch) -> InboundEmail:
    original = feeder._parse

    def broken(raw):
        raise UnparseableEmail("no header block")

    monkeypatch.setattr(processing, "parse", broken)
    _outcome, row = feeder.feed(parsed(subject="Broken one"))
    monkeypatch.setattr(processing, "parse", original)
    assert row.state == InboundState.QUARANTINED
    return row


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root@destek.example", "pw")
    client.force_login(admin)
    return client


def test_admin_lists_quarantined_mail_with_its_error(admin_client, quarantined):
    url = reverse("admin:mail_inboundemail_changelist") + "?state__exact=quarantined"
    page = admin_client.get(url)
    assert page.status_code == 200
    detail = admin_client.get(reverse("admin:mail_inboundemail_change", args=[quarantined.pk]))
    assert b"no header block" in detail.content


def test_admin_downloads_the_raw_message(admin_client, quarantined):
    response = admin_client.get(reverse("admin:mail_inboundemail_raw", args=[quarantined.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response.content == bytes(quarantined.raw)


def test_raw_download_needs_admin_rights(client, customer, quarantined):
    client.force_login(customer)
    response = client.get(reverse("admin:mail_inboundemail_raw", args=[quarantined.pk]))
    assert response.status_code == 404  # the admin is for superusers only (issue 16)
    client.logout()
    response = client.get(reverse("admin:mail_inboundemail_raw", args=[quarantined.pk]))
    assert response.status_code == 302  # to the admin login


def test_admin_action_processes_again(admin_client, quarantined,
                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:mail_inboundemail_changelist"), {
            "action": "reprocess", "_selected_action": [quarantined.pk]})
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.PROCESSED and quarantined.ticket is not None


def test_admin_clears_a_bouncing_address(admin_client, db):
    status = EmailAddressStatus.objects.create(address="gone@example.com", bouncing=True)
    admin_client.post(reverse("admin:mail_emailaddressstatus_changelist"), {
        "action": "clear_bouncing", "_selected_action": [status.pk]})
    status.refresh_from_db()
    assert not status.bouncing


def test_command_reprocesses_quarantined_mail(quarantined):
    out = StringIO()
    call_command("mail_reprocess", "--quarantined", stdout=out)
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.PROCESSED
    assert "1 message(s) processed again" in out.getvalue()


def test_sweep_task_enqueues_lost_rows(feeder, mailbox):
    from datetime import timedelta

    from django.utils import timezone

    from destek.mail.tasks import sweep_inbound

    row = feeder.store(parsed())
    InboundEmail.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(minutes=2))
    assert sweep_inbound() == 1  # eager in tests: processed right away
    row.refresh_from_db()
    assert row.state == InboundState.PROCESSED


def test_desk_shows_quoted_text_folded_and_flags_auto_replies(feeder, mailbox, customer,
                                                              agent_client):
    from destek.notifications.envelope import thread_id
    from destek.tickets.factories import open_ticket

    ticket = open_ticket(customer=customer, department=mailbox.department)
    ours = (thread_id(ticket).strip("<>"),)
    feeder.feed(parsed(from_address=customer.email, subject=f"[#{ticket.reference}]",
                       in_reply_to=ours, text="New words", quoted_text="> <b>old</b> words"))
    feeder.feed(parsed(from_address=customer.email, subject=f"[#{ticket.reference}] away",
                       in_reply_to=ours, is_auto_reply=True, text="I am away"))
    page = agent_client.get(reverse("desk:ticket", kwargs={"ticket_id": ticket.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<details" in html and "&gt; &lt;b&gt;old&lt;/b&gt; words" in html
    assert 'data-testid="auto-reply-badge"' in html
