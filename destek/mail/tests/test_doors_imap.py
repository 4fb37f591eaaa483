"""IMAP polling against a real IMAP server: Debian's dovecot-imapd, started here on a free
local port with its own configuration (plaintext login, maildir in a temporary directory:
destek/mail/tests/dovecot.py).

Skipped when dovecot is not installed, unless DESTEK_REQUIRE_SERVICES=1 (CI installs it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.mail.admin_mailbox import MailboxForm
from destek.mail.doors import imap
from destek.mail.doors.tasks import poll_imap_mailboxes
from destek.mail.models import InboundEmail, InboundSource, Mailbox
from destek.mail.tests.doors_helpers import free_port, make_mailbox, message_bytes
from destek.mail.tests.dovecot import PASSWORD, Dovecot, run_dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with run_dovecot() as server:
        yield server


@pytest.fixture
def account(dovecot: Dovecot) -> str:
    """A fresh IMAP account (the static passdb takes any user name): an empty maildir."""
    return f"support-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mailbox(department, dovecot: Dovecot, account: str) -> Mailbox:
    return make_mailbox(
        department=department, imap_host="127.0.0.1", imap_port=dovecot.port,
        imap_security="none", imap_username=account, imap_password=PASSWORD,
        imap_archive_folder="Processed",
    )


def append(dovecot: Dovecot, account: str, raw: bytes, *, folder: str = "INBOX",
           seen: bool = False) -> None:
    with dovecot.login(account) as client:
        client.append(raw, folder, flag_set=["\\Seen"] if seen else None)


def uids_in(dovecot: Dovecot, account: str, folder: str) -> list[str]:
    with dovecot.login(account) as client:
        if not client.folder.exists(folder):
            return []
        client.folder.set(folder)
        return client.uids("ALL")


def stored_raw() -> list[bytes]:
    """The messages stored to be filed (a copy fetched again is a DUPLICATE row)."""
    return [bytes(raw) for raw in InboundEmail.objects.exclude(state="duplicate").order_by(
        "pk").values_list("raw", flat=True)]


def test_poll_stores_moves_and_advances(dovecot, account, mailbox):
    messages = [message_bytes(subject=f"Message {n}") for n in range(3)]
    append(dovecot, account, messages[0])
    append(dovecot, account, messages[1], seen=True)  # read by a human: still ours
    append(dovecot, account, messages[2])

    result = imap.poll_mailbox(mailbox_id=mailbox.pk)

    assert (result.stored, result.duplicates, result.error) == (3, 0, "")
    assert stored_raw() == messages
    assert set(InboundEmail.objects.values_list("source", "mailbox")) == {
        (InboundSource.IMAP, mailbox.pk)}
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == 3
    assert mailbox.imap_uidvalidity
    assert mailbox.imap_last_error == ""
    assert mailbox.imap_last_polled_at is not None
    assert uids_in(dovecot, account, "INBOX") == []
    assert len(uids_in(dovecot, account, "Processed")) == 3

    # Nothing new: nothing fetched.
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 0
    later = message_bytes(subject="Later")
    append(dovecot, account, later)
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 1
    assert stored_raw()[-1] == later
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == 4


def test_without_archive_folder_messages_stay_flagged(dovecot, account, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_archive_folder="")
    append(dovecot, account, message_bytes())
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 1
    with dovecot.login(account) as client:
        client.folder.set("INBOX")
        assert client.uids("SEEN") == ["1"]
    # Tracked by UID: the message left in place is not fetched again.
    result = imap.poll_mailbox(mailbox_id=mailbox.pk)
    assert (result.stored, result.duplicates) == (0, 0)


def test_a_crash_between_store_and_move_neither_loses_nor_duplicates(
    dovecot, account, mailbox, monkeypatch,
):
    messages = [message_bytes(subject=f"Crash {n}") for n in range(2)]
    for raw in messages:
        append(dovecot, account, raw)

    def crash(**_kwargs: object) -> None:
        raise RuntimeError("worker killed before the move")

    monkeypatch.setattr(imap, "_acknowledge", crash)
    result = imap.poll_mailbox(mailbox_id=mailbox.pk)
    assert "worker killed" in result.error
    assert stored_raw() == messages  # committed before the source was touched
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == 0
    assert "worker killed" in mailbox.imap_last_error
    assert len(uids_in(dovecot, account, "INBOX")) == 2

    monkeypatch.undo()
    result = imap.poll_mailbox(mailbox_id=mailbox.pk)
    assert (result.stored, result.duplicates, result.error) == (0, 2, "")
    assert stored_raw() == messages
    # The copies fetched again are recorded, each linked to the message it repeats.
    originals = list(InboundEmail.objects.exclude(state="duplicate").order_by("pk"))
    assert list(InboundEmail.objects.filter(state="duplicate").order_by("pk").values_list(
        "duplicate_of", flat=True)) == [row.pk for row in originals]
    assert uids_in(dovecot, account, "INBOX") == []
    mailbox.refresh_from_db()
    assert (mailbox.imap_last_uid, mailbox.imap_last_error) == (2, "")


def test_a_store_failure_stops_the_batch_and_keeps_the_rest(dovecot, account, mailbox,
                                                            monkeypatch):
    messages = [message_bytes(subject=f"Part {n}") for n in range(3)]
    for raw in messages:
        append(dovecot, account, raw)
    real_store = imap.store_raw
    calls = []

    def store_then_fail(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_store(**kwargs)

    monkeypatch.setattr(imap, "store_raw", store_then_fail)
    result = imap.poll_mailbox(mailbox_id=mailbox.pk)
    assert "database went away" in result.error
    assert stored_raw() == messages[:1]
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == 1
    assert len(uids_in(dovecot, account, "INBOX")) == 2

    monkeypatch.undo()
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 2
    assert stored_raw() == messages


def test_uidvalidity_change_starts_over_without_duplicates(dovecot, account, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_archive_folder="")
    first = [message_bytes(subject=f"Old {n}") for n in range(2)]
    for raw in first:
        append(dovecot, account, raw)
    imap.poll_mailbox(mailbox_id=mailbox.pk)
    mailbox.refresh_from_db()
    server_uidvalidity = mailbox.imap_uidvalidity

    # As if the server had renumbered the folder since: what we remember no longer applies.
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=server_uidvalidity + 1,
                                                 imap_last_uid=99)
    new = message_bytes(subject="New")
    append(dovecot, account, new)
    result = imap.poll_mailbox(mailbox_id=mailbox.pk)

    assert (result.stored, result.duplicates) == (1, 2)
    assert stored_raw() == [*first, new]
    mailbox.refresh_from_db()
    assert (mailbox.imap_uidvalidity, mailbox.imap_last_uid) == (server_uidvalidity, 3)


def test_batches_are_bounded_and_taken_in_uid_order(dovecot, account, mailbox, settings):
    settings.DESTEK_IMAP_BATCH = 2
    messages = [message_bytes(subject=f"Batch {n}") for n in range(3)]
    for raw in messages:
        append(dovecot, account, raw)
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 2
    assert stored_raw() == messages[:2]
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 1
    assert stored_raw() == messages


def test_an_oversized_message_is_left_for_a_human(dovecot, account, mailbox, settings):
    settings.DESTEK_MAIL_MAX_BYTES = 2000
    append(dovecot, account, message_bytes(size=5000))
    small = message_bytes()
    append(dovecot, account, small)
    result = imap.poll_mailbox(mailbox_id=mailbox.pk)
    assert result.stored == 1
    assert stored_raw() == [small]
    mailbox.refresh_from_db()
    assert "larger than DESTEK_MAIL_MAX_BYTES" in mailbox.imap_last_error
    assert mailbox.imap_last_uid == 2
    assert uids_in(dovecot, account, "INBOX") == ["1"]


def test_a_mailbox_being_polled_elsewhere_is_skipped(dovecot, account, mailbox):
    append(dovecot, account, message_bytes())
    cache.add(f"destek:mail:imap-poll:{mailbox.pk}", "other-worker", timeout=60)
    try:
        assert imap.poll_mailbox(mailbox_id=mailbox.pk).locked
        assert not InboundEmail.objects.exists()
    finally:
        cache.delete(f"destek:mail:imap-poll:{mailbox.pk}")
    assert imap.poll_mailbox(mailbox_id=mailbox.pk).stored == 1


def test_the_beat_task_polls_every_imap_mailbox_and_survives_errors(
    dovecot, account, mailbox, department,
):
    append(dovecot, account, message_bytes())
    broken = make_mailbox(
        department=department, address="billing@example.com", imap_host="127.0.0.1",
        imap_port=dovecot.port, imap_security="none", imap_username="billing",
        imap_password="wrong",
    )
    unreachable = make_mailbox(
        department=department, address="sales@example.com", imap_host="127.0.0.1",
        imap_port=free_port(), imap_security="none", imap_username="sales",
        imap_password=PASSWORD,
    )
    make_mailbox(department=department, address="web@example.com")  # no IMAP: not polled

    assert poll_imap_mailboxes.delay().get() == 3  # runs inline in tests (eager)

    assert InboundEmail.objects.get().mailbox == mailbox
    broken.refresh_from_db()
    unreachable.refresh_from_db()
    assert "Login" in broken.imap_last_error or "AUTH" in broken.imap_last_error
    assert "ConnectionRefusedError" in unreachable.imap_last_error
    assert broken.imap_last_polled_at is not None


def test_check_connection_reports_folders_and_messages(dovecot, account, mailbox):
    append(dovecot, account, message_bytes())
    report = imap.check_connection(mailbox=mailbox)
    assert report.ok
    assert "INBOX" in report.folders
    assert report.messages == 1

    mailbox.imap_password = "wrong"
    report = imap.check_connection(mailbox=mailbox)
    assert not report.ok
    assert "MailboxLoginError" in report.error



def _admin_messages(client, mailbox: Mailbox) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("admin:mail_mailbox_changelist"),
        {"action": "test_connection", "_selected_action": [mailbox.pk]}, follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_admin_test_connection_action(dovecot, account, mailbox, client):
    append(dovecot, account, message_bytes())
    client.force_login(AgentFactory(is_staff=True, is_superuser=True))

    [message] = _admin_messages(client, mailbox)
    assert "support@example.com: connected. 1 message in INBOX." in message
    assert "INBOX" in message.split("Folders:")[1]

    mailbox.imap_password = "wrong"  # stored sealed
    mailbox.save(update_fields=["imap_password_sealed"])
    [message] = _admin_messages(client, mailbox)
    assert "cannot connect" in message
    assert "MailboxLoginError" in message


def test_admin_form_keeps_the_password_when_left_empty(mailbox):
    data = {
        "name": "Support", "address": mailbox.address, "department": mailbox.department_id,
        "is_active": "on", "sender_policy": mailbox.sender_policy, "imap_host": "127.0.0.1",
        "imap_port": "143", "imap_security": "none", "imap_username": "support",
        "imap_password": "", "imap_folder": "INBOX", "imap_archive_folder": "",
    }
    form = MailboxForm(data=data, instance=mailbox)
    assert form.is_valid(), form.errors
    form.save()
    mailbox.refresh_from_db()
    assert mailbox.imap_password == PASSWORD
    assert PASSWORD not in form["imap_password"].as_widget()


def test_admin_poll_now_action(dovecot, account, mailbox, client):
    append(dovecot, account, message_bytes())
    client.force_login(AgentFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:mail_mailbox_changelist"),
                           {"action": "poll_now", "_selected_action": [mailbox.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Polling 1 mailbox."]
    assert InboundEmail.objects.get().mailbox == mailbox  # tasks run inline in tests
