"""Delivery: claiming, marking, retries with backoff, the sweeper, and the transports."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from destek.notifications import delivery, transports
from destek.notifications.delivery import Outcome, backoff
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.outbox import outbox_email_create
from destek.notifications.tasks import deliver_outbox, sweep_outbox
from destek.notifications.transports import (
    FileTransport,
    SmtpTransport,
    transport_from_url,
)

pytestmark = pytest.mark.django_db


@dataclass
class RecordingTransport:
    """Counts sends; fails with `errors` first, one per call."""

    errors: list[Exception] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)

    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(outbox_id)


@pytest.fixture
def transport(monkeypatch) -> RecordingTransport:
    fake = RecordingTransport()
    monkeypatch.setattr(delivery, "current_transport", lambda: fake)
    return fake


def make_row(**changes: object) -> OutboundEmail:
    row = outbox_email_create(message=mail.EmailMessage("Hi", "Body", None, ["to@example.com"]))
    if changes:
        OutboundEmail.objects.filter(pk=row.pk).update(**changes)
        row.refresh_from_db()
    return row


def make_due(row: OutboundEmail) -> None:
    OutboundEmail.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_writes_eml_file_and_marks_sent(settings):
    row = make_row()
    assert deliver_outbox(row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 1
    path = settings.DESTEK_SENT_MAIL_DIR / f"{row.pk}.eml"
    assert path.read_bytes() == row.raw_bytes
    assert list(settings.DESTEK_SENT_MAIL_DIR.iterdir()) == [path]  # no temp files left


def test_delivering_twice_sends_once(transport):
    row = make_row()
    assert deliver_outbox(row.pk) == "sent"
    assert deliver_outbox(row.pk) == "skipped"
    assert transport.sent == [row.pk]
    assert deliver_outbox(999_999) == "skipped"  # a deleted row is not an error


def test_row_claimed_by_another_worker_is_left_alone(transport):
    row = make_row(status=OutboxStatus.SENDING, claimed_at=timezone.now())
    assert deliver_outbox(row.pk) == "skipped"
    assert transport.sent == []


def test_failure_is_retried_with_backoff_then_fails(settings, transport):
    settings.DESTEK_OUTBOX_MAX_ATTEMPTS = 3
    transport.errors = [smtplib.SMTPServerDisconnected("connection lost")] * 3
    row = make_row()

    before = timezone.now()
    assert deliver_outbox(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error == "SMTPServerDisconnected: connection lost"
    assert before + timedelta(seconds=59) < row.next_attempt_at
    assert row.next_attempt_at < timezone.now() + timedelta(seconds=61)
    # Not due yet: another call (a duplicate task) does not jump the queue.
    assert deliver_outbox(row.pk) == "skipped"

    make_due(row)
    assert deliver_outbox(row.pk) == "retry"
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=110)

    make_due(row)
    assert deliver_outbox(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3
    assert "connection lost" in row.last_error
    assert transport.sent == []


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == timedelta(hours=6)


def test_permanent_rejection_fails_at_once(transport):
    transport.errors = [smtplib.SMTPRecipientsRefused(
        {"to@example.com": (550, b"5.1.1 No such user")})]
    row = make_row()
    assert deliver_outbox(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED
    assert "No such user" in row.last_error


def test_misconfigured_url_is_a_visible_failure(settings):
    settings.DESTEK_EMAIL_URL = "carrier-pigeon://coop"
    row = make_row()
    assert deliver_outbox(row.pk) == "retry"
    row.refresh_from_db()
    assert "unsupported scheme" in row.last_error


def test_sweeper_resends_rows_stuck_in_sending(settings, transport):
    stuck = make_row(status=OutboxStatus.SENDING, attempts=1,
                     claimed_at=timezone.now() - timedelta(minutes=11))
    busy = make_row(status=OutboxStatus.SENDING, attempts=1,
                    claimed_at=timezone.now() - timedelta(minutes=1))
    assert sweep_outbox() == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == OutboxStatus.SENT
    assert stuck.attempts == 2
    assert busy.status == OutboxStatus.SENDING  # a slow send that is still in progress
    assert transport.sent == [stuck.pk]


def test_resent_copy_has_the_same_message_id(settings):
    row = make_row()
    deliver_outbox(row.pk)
    first = (settings.DESTEK_SENT_MAIL_DIR / f"{row.pk}.eml").read_bytes()
    # A crash after the send but before "sent" was written: the row is stuck in sending.
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=30))
    sweep_outbox()
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert (settings.DESTEK_SENT_MAIL_DIR / f"{row.pk}.eml").read_bytes() == first


def test_stuck_row_on_its_last_attempt_fails(settings, transport):
    settings.DESTEK_OUTBOX_MAX_ATTEMPTS = 2
    row = make_row(status=OutboxStatus.SENDING, attempts=2,
                   claimed_at=timezone.now() - timedelta(minutes=11))
    assert sweep_outbox() == 0
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED
    assert "worker lost" in row.last_error
    assert transport.sent == []


def test_sweeper_picks_up_due_rows_whose_task_was_lost(transport):
    lost = make_row(next_attempt_at=timezone.now() - timedelta(minutes=5))
    fresh = make_row()  # its own on-commit task is on the way
    waiting = make_row(next_attempt_at=timezone.now() + timedelta(minutes=5))
    failed = make_row(status=OutboxStatus.FAILED)
    assert sweep_outbox() == 1
    assert transport.sent == [lost.pk]
    for row in (fresh, waiting, failed):
        row.refresh_from_db()
    assert fresh.status == waiting.status == OutboxStatus.PENDING
    assert failed.status == OutboxStatus.FAILED


# --- transports --------------------------------------------------------------------------

def test_empty_url_writes_files(settings, tmp_path):
    settings.DESTEK_SENT_MAIL_DIR = tmp_path / "out"
    assert transport_from_url("") == FileTransport(tmp_path / "out")
    assert transport_from_url("file:///var/mail/destek") == FileTransport(
        Path("/var/mail/destek"))


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://user:p%40ss@mail.example.com:587?tls=1",
     SmtpTransport(host="mail.example.com", port=587, username="user", password="p@ss",
                   starttls=True)),
    ("smtp+tls://u:p@mail.example.com",
     SmtpTransport(host="mail.example.com", port=587, username="u", password="p",
                   starttls=True)),
    ("smtps://u:p@mail.example.com",
     SmtpTransport(host="mail.example.com", port=465, username="u", password="p",
                   implicit_tls=True)),
    ("smtp://localhost?timeout=5",
     SmtpTransport(host="localhost", port=25, timeout=5.0)),
])
def test_smtp_urls(url, expected):
    assert transport_from_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://x", "smtp://", "smtp://h:notaport",
                                 "smtp://h?timeout=soon"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        transport_from_url(url)


class FakeSMTP:
    instances: list[FakeSMTP] = []
    refuse: dict[str, tuple[int, bytes]] = {}

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls: list[tuple[object, ...]] = [("connect", host, port, timeout)]
        FakeSMTP.instances.append(self)

    def quit(self) -> None:
        self.calls.append(("quit",))

    def starttls(self, context: object) -> None:
        self.calls.append(("starttls",))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))

    def sendmail(self, from_addr: str, to_addrs: list[str], msg: bytes) -> dict:
        self.calls.append(("sendmail", from_addr, to_addrs, msg))
        return dict(FakeSMTP.refuse)


@pytest.fixture
def fake_smtp(monkeypatch, settings):
    FakeSMTP.instances = []
    FakeSMTP.refuse = {}
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings.DESTEK_EMAIL_URL = "smtp://user:secret@mail.example.com:587?tls=1"
    return FakeSMTP


def test_smtp_delivery_sends_the_stored_bytes(fake_smtp):
    row = make_row()
    assert deliver_outbox(row.pk) == "sent"
    [client] = fake_smtp.instances
    assert client.calls == [
        ("connect", "mail.example.com", 587, 30.0),
        ("starttls",),
        ("login", "user", "secret"),
        ("sendmail", "support@destek.localhost", ["to@example.com"], row.raw_bytes),
    ]
    # The connection stays open for the process's next batch (transports.kept_session),
    # and is closed properly when the process lets it go.
    transports.close_kept_sessions()
    assert client.calls[-1] == ("quit",)


def test_smtp_partial_refusal_is_sent_with_a_warning(fake_smtp):
    fake_smtp.refuse = {"bad@example.com": (550, b"unknown")}
    row = make_row()
    assert delivery.deliver(row.pk) == Outcome.SENT
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert "bad@example.com" in row.last_error


def test_sweeper_purges_old_sent_rows_only(settings):
    settings.DESTEK_OUTBOX_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    old_sent = make_row(status=OutboxStatus.SENT, next_attempt_at=long_ago, sent_at=long_ago)
    old_failed = make_row(status=OutboxStatus.FAILED, next_attempt_at=long_ago)
    recent_sent = make_row(status=OutboxStatus.SENT, sent_at=timezone.now())
    sweep_outbox()
    remaining = set(OutboundEmail.objects.values_list("pk", flat=True))
    assert remaining == {old_failed.pk, recent_sent.pk}
    assert old_sent.pk not in remaining
