"""Only the same message is a duplicate; a reused Message-ID is a new message; nothing
vanishes (issue 13, fault 1).

Messages are written here for the purpose; the bounce and the auto-reply are the project's
own fixtures (fixtures/README.md).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.accounts.models import User
from destek.mail import identity, processing, tasks
from destek.mail.admin_inbound import OUTCOMES
from destek.mail.doors.pipe import EX_OK, receive_from_pipe
from destek.mail.models import InboundEmail, InboundState
from destek.mail.store import store_raw
from destek.notifications.envelope import thread_id
from destek.tickets.factories import open_ticket
from destek.tickets.models import Message, Ticket

FIXTURES = Path(__file__).parent / "fixtures"


def mail(*, message_id: str = "<alarm-1@monitor.example>", subject: str = "Disk full on web3",
         body: str = "Disk /var is 98% full.", date: str = "Mon, 06 Jan 2025 10:00:00 +0300",
         sender: str = "Monitor <monitor@musteri.example>", extra: str = "",
         trace: str = "") -> bytes:
    headers = (f"{trace}From: {sender}\r\nTo: support@destek.example\r\nSubject: {subject}\r\n"
               f"Date: {date}\r\n" + (f"Message-ID: {message_id}\r\n" if message_id else "")
               + f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
    return f"{headers}\r\n{body}\r\n".encode()


HOP_A = ("Return-Path: <monitor@musteri.example>\r\nDelivered-To: support@destek.example\r\n"
         "Received: from mx1.musteri.example (mx1 [198.51.100.7])\r\n\tby mx.destek.example "
         "with ESMTPS id A1; Mon, 06 Jan 2025 10:00:02 +0300\r\n"
         "Authentication-Results: mx.destek.example; spf=pass\r\nX-Spam-Score: 0.1\r\n")
HOP_B = ("Received: from relay.example.net by imap.destek.example; Mon, 06 Jan 2025 10:05:00"
         "\r\nX-Original-To: support@destek.example\r\nARC-Seal: i=1; a=rsa-sha256; cv=none\r\n"
         "DKIM-Signature: v=1; a=rsa-sha256; d=relay.example.net; b=abc\r\n"
         "X-Spam-Status: No, score=-0.2\r\nX-Gm-Message-State: AOJu0Y\r\n")


# The fingerprint ------------------------------------------------------------------------------

def test_the_fingerprint_sets_trace_headers_and_line_endings_aside():
    plain = mail()
    assert identity.fingerprint(mail(trace=HOP_A)) == identity.fingerprint(plain)
    assert identity.fingerprint(mail(trace=HOP_B)) == identity.fingerprint(plain)
    assert identity.fingerprint(plain.replace(b"\r\n", b"\n")) == identity.fingerprint(plain)
    assert identity.fingerprint(plain + b"\r\n\r\n") == identity.fingerprint(plain)
    refolded = plain.replace(b"Subject: Disk full on web3", b"Subject: Disk full\r\n on web3")
    assert identity.fingerprint(refolded) == identity.fingerprint(plain)
    mbox = b"From monitor@musteri.example Mon Jan  6 10:00:02 2025\n" + plain
    assert identity.fingerprint(mbox) == identity.fingerprint(plain)


def test_the_fingerprint_tells_different_messages_under_one_message_id_apart():
    first = identity.fingerprint(mail())
    assert identity.fingerprint(mail(body="Disk /var is 99% full.")) != first
    assert identity.fingerprint(mail(date="Mon, 06 Jan 2025 10:05:00 +0300")) != first
    assert identity.fingerprint(mail(subject="Disk full on web4")) != first
    forwarded = mail(extra="Resent-From: ayse@musteri.example\r\n")  # a hand-redirected copy
    assert identity.fingerprint(forwarded) != first


def test_trace_headers_are_the_per_hop_ones():
    for name in (b"Received", b"return-path", b"DKIM-Signature", b"ARC-Message-Signature",
                 b"X-Spam-Flag", b"Authentication-Results", b"X-MS-Exchange-Organization-SCL"):
        assert identity.is_trace_header(name), name
    for name in (b"From", b"Subject", b"Message-ID", b"Date", b"In-Reply-To", b"Resent-From",
                 b"Content-Type", b"X-Mailer"):
        assert not identity.is_trace_header(name), name


# Storing --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_same_message_through_two_doors_is_filed_once_and_the_copy_recorded(mailbox):
    first = store_raw(raw=mail(trace=HOP_A), source="pipe")
    second = store_raw(raw=mail(trace=HOP_B), source="imap", mailbox=mailbox)
    assert not first.duplicate and second.duplicate
    assert second.email.pk == first.email.pk and second.copy is not None
    copy = InboundEmail.objects.get(pk=second.copy.pk)
    assert (copy.state, copy.duplicate_of_id, copy.source, copy.mailbox, bytes(copy.raw)) == (
        InboundState.DUPLICATE, first.email.pk, "imap", mailbox, b"")
    assert f"#{first.email.pk}" in copy.note
    # A copy is never taken by a worker, nor put back in line.
    assert processing.put_back_in_line([copy.pk]) == []
    assert processing.process(copy.pk) == processing.Outcome.SKIPPED


@pytest.mark.django_db
def test_a_different_message_under_a_known_message_id_is_stored(mailbox):
    first = store_raw(raw=mail(), source="pipe")
    second = store_raw(raw=mail(body="Disk /var is 99% full."), source="pipe")
    assert not second.duplicate and second.email.pk != first.email.pk
    assert second.email.header_message_id == "alarm-1@monitor.example"
    assert second.email.message_id_hash == identity.message_id_hash("alarm-1@monitor.example")


@pytest.mark.django_db
def test_storing_is_still_one_insert_and_a_copy_three_queries(mailbox):
    raw = mail(trace=HOP_A)
    with CaptureQueriesContext(connection) as first:
        store_raw(raw=raw, source="pipe")
    with CaptureQueriesContext(connection) as again:
        store_raw(raw=raw, source="pipe")

    def statements(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"].split()[0] for q in captured.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]

    assert statements(first) == ["INSERT"]
    assert statements(again) == ["INSERT", "SELECT", "INSERT"]  # refused, the original, copy


# Processing -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_reused_message_id_opens_its_own_ticket_and_is_linked(
        mailbox, django_capture_on_commit_callbacks):
    first = store_raw(raw=mail(), source="pipe").email
    second = store_raw(raw=mail(body="Disk /var is 99% full.",
                                date="Mon, 06 Jan 2025 11:00:00 +0300"), source="pipe").email
    assert processing.process(first.pk) == processing.Outcome.TICKET
    first.refresh_from_db()
    if second.state == InboundState.PENDING:  # not already filed in the first's batch
        processing.process(second.pk)
    second.refresh_from_db()
    assert (second.state, second.opened_ticket, second.same_message_id_as_id) == (
        InboundState.PROCESSED, True, first.pk)
    assert second.ticket_id != first.ticket_id
    assert f"#{first.pk}" in second.note
    bodies = {m.ticket_id: m.body_text for m in Message.objects.all()}
    assert "98%" in bodies[first.ticket_id] and "99%" in bodies[second.ticket_id]
    # Processing them again files nothing twice (its own external id), and what each
    # became still shows.
    note = second.note
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reprocess(ids=[first.pk, second.pk]) == 2
    assert Ticket.objects.count() == 2 and Message.objects.count() == 2
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.opened_ticket, second.opened_ticket, second.note) == (True, True, note)


@pytest.mark.django_db
def test_a_message_id_the_stored_header_hid_is_still_seen_as_reused(mailbox):
    """The stored header and the parser may read a Message-ID differently (a comment after
    it): the funnel's answer with another email's message gives the reuse away."""
    first = store_raw(raw=mail(), source="pipe").email
    processing.process(first.pk)
    commented = mail(message_id="<alarm-1@monitor.example> (gateway 7)", body="Disk 99%.")
    second = store_raw(raw=commented, source="pipe").email
    assert second.header_message_id != first.header_message_id
    processing.process(second.pk)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.state, second.opened_ticket, second.same_message_id_as_id) == (
        InboundState.PROCESSED, True, first.pk)
    assert second.ticket_id != first.ticket_id and Message.objects.count() == 2


@pytest.mark.django_db
def test_a_reused_message_id_replying_to_our_mail_is_a_reply(mailbox, customer):
    ticket = open_ticket(customer=customer, department=mailbox.department, subject="Disk alarms")
    customer = ticket.customer
    first = store_raw(raw=mail(sender=customer.email), source="pipe").email
    answer = mail(sender=customer.email, subject="Re: Disk alarms", body="Fixed, thanks.",
                  extra=f"In-Reply-To: {thread_id(ticket)}\r\n")
    second = store_raw(raw=answer, source="pipe").email
    processing.process_claimed([first.pk, second.pk])
    second.refresh_from_db()
    assert (second.state, second.opened_ticket, second.ticket_id,
            second.same_message_id_as_id) == (InboundState.PROCESSED, False, ticket.pk, first.pk)


@pytest.mark.django_db
def test_a_row_stored_before_fingerprints_still_recognises_its_copy(mailbox):
    old = store_raw(raw=mail(trace=HOP_A), source="pipe").email
    other = store_raw(raw=mail(message_id="<other@monitor.example>"), source="pipe").email
    # As rows were stored before this change: keyed by Message-ID, no hash.
    InboundEmail.objects.filter(pk=old.pk).update(
        dedupe_key="mid:alarm-1@monitor.example", message_id_hash="",
        state=InboundState.PROCESSED)
    InboundEmail.objects.filter(pk=other.pk).update(
        dedupe_key="mid:other@monitor.example", message_id_hash="",
        state=InboundState.PROCESSED)
    copy = store_raw(raw=mail(trace=HOP_B), source="imap").email
    new = store_raw(raw=mail(message_id="<other@monitor.example>", body="Another alarm"),
                    source="pipe").email
    outcomes = processing.process_claimed([copy.pk, new.pk])
    assert outcomes == {copy.pk: processing.Outcome.DUPLICATE,
                        new.pk: processing.Outcome.TICKET}
    copy.refresh_from_db()
    new.refresh_from_db()
    assert (copy.state, copy.duplicate_of_id, bytes(copy.raw)) == (
        InboundState.DUPLICATE, old.pk, b"")
    assert new.same_message_id_as_id == other.pk


# Every accepted message ends in one visible outcome ------------------------------------------

def _database_url() -> str:
    from destek.core.testing import worker_database_url

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return worker_database_url()


def _pipe(raw: bytes, tmp_path: Path) -> int:
    from destek.mail.tests.test_doors_pipe import _env

    result = subprocess.run(
        [sys.executable, "-m", "destek.cli", "mail-pipe"], input=raw, capture_output=True,
        env=_env(tmp_path, _database_url()), timeout=60, check=False)
    assert result.returncode == EX_OK, result.stderr
    return result.returncode


@pytest.mark.django_db(transaction=True)
def test_every_accepted_message_ends_in_one_visible_outcome(mailbox, customer, client,
                                                            tmp_path):
    ticket = open_ticket(customer=customer, department=mailbox.department,
                         subject="Backup failed")
    batch = [
        mail(),  # a new ticket
        mail(message_id="<re-1@musteri.example>", sender=ticket.customer.email,
             subject="Re: Backup failed", body="It worked tonight.",
             extra=f"In-Reply-To: {thread_id(ticket)}\r\n"),  # a reply
        (FIXTURES / "gmail-vacation.eml").read_bytes(),  # an auto-reply about nothing of ours
        (FIXTURES / "postfix-dsn.eml").read_bytes(),  # a bounce
        mail(trace=HOP_B),  # the first message again, through another hop: a duplicate
        mail(body="Disk /var is 99% full.", date="Mon, 06 Jan 2025 10:30:00 +0300"),  # reused
        mail(message_id="<nobody@nowhere>", sender="undisclosed-recipients:;"),  # no sender
    ]
    # The real `destek mail-pipe` for some (a process of its own, on this test's database),
    # the same door in this process for the rest.
    for raw in batch[:2]:
        _pipe(raw, tmp_path)
    for raw in batch[2:]:
        assert receive_from_pipe(stream=io.BytesIO(raw)).exit_code == EX_OK
    accepted = InboundEmail.objects.count()
    assert accepted == len(batch)

    tasks.process_waiting_inbound()  # the processing task, as the worker runs it
    rows = {row.pk: row for row in InboundEmail.objects.all()}
    finals = ["ticket", "reply", "ignored", "duplicate", "quarantined"]
    counts = {name: InboundEmail.objects.filter(OUTCOMES[name][1]).count() for name in finals}
    assert counts == {"ticket": 2, "reply": 1, "ignored": 2, "duplicate": 1, "quarantined": 1}
    assert sum(counts.values()) == accepted
    for row in rows.values():  # each in exactly one, each with its reason
        assert sum(InboundEmail.objects.filter(OUTCOMES[name][1], pk=row.pk).exists()
                   for name in finals) == 1, row
        assert row.note or row.error, row
    first, reply, vacation, bounce, copy, reused, nobody = sorted(rows.values(),
                                                                   key=lambda r: r.pk)
    assert copy.duplicate_of_id == first.pk and reused.same_message_id_as_id == first.pk
    assert reply.ticket_id == ticket.pk
    assert "Automatic reply" in vacation.note and "Delivery failure" in bounce.note
    assert "sender" in nobody.error

    # The admin lists each kind, with its reason and the links.
    admin = User.objects.create_superuser("root@destek.example", "pw")
    client.force_login(admin)
    changelist = reverse("admin:mail_inboundemail_changelist")
    for name, count in counts.items():
        page = client.get(changelist, {"outcome": name})
        assert page.status_code == 200
        assert page.context["cl"].result_count == count, name
    # Counts per outcome (Django's facets, "Show counts"): one query.
    page = client.get(changelist, {"_facets": "True"})
    for label, count in (("New ticket", 2), ("Reply", 1), ("Ignored", 2), ("Duplicate", 1),
                         ("Quarantined", 1), ("Reused Message-ID", 1)):
        assert f"{label} ({count})" in page.content.decode(), label
    page = client.get(changelist, {"outcome": "reused"})
    assert [r.pk for r in page.context["cl"].result_list] == [reused.pk]
    detail = client.get(reverse("admin:mail_inboundemail_change", args=[copy.pk])).content
    assert reverse("admin:mail_inboundemail_change", args=[first.pk]).encode() in detail
    detail = client.get(reverse("admin:mail_inboundemail_change", args=[reused.pk])).content
    assert reverse("admin:mail_inboundemail_change", args=[first.pk]).encode() in detail


@pytest.mark.django_db
def test_the_admin_list_costs_the_same_for_any_number_of_rows(mailbox, client):
    admin = User.objects.create_superuser("root@destek.example", "pw")
    client.force_login(admin)
    url = reverse("admin:mail_inboundemail_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    store_raw(raw=mail(), source="pipe")
    few = queries()
    for n in range(2, 6):
        store_raw(raw=mail(body=f"Alarm {n}"), source="pipe")
        store_raw(raw=mail(body=f"Alarm {n}"), source="imap")
    assert queries() == few


@pytest.mark.django_db(transaction=True)
def test_two_doors_storing_one_message_at_once_file_it_once(mailbox):
    """The second INSERT waits on the first's uncommitted key, then fails: its copy becomes
    the duplicate of the committed row (PostgreSQL; SQLite serialises writers anyway)."""
    import threading

    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    raw_a, raw_b = mail(trace=HOP_A), mail(trace=HOP_B)
    results: list[object] = []

    def second_door() -> None:
        try:
            results.append(store_raw(raw=raw_b, source="imap"))
        except Exception as exc:  # reported below
            results.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        first = store_raw(raw=raw_a, source="pipe")
        other = threading.Thread(target=second_door)
        other.start()
        other.join(timeout=0.5)  # it is blocked on our uncommitted row
        assert other.is_alive()
    other.join(timeout=30)
    [second] = results
    assert not isinstance(second, Exception), second
    assert second.duplicate and second.email.pk == first.email.pk  # type: ignore[attr-defined]
    assert InboundEmail.objects.exclude(state=InboundState.DUPLICATE).count() == 1
    assert InboundEmail.objects.get(state=InboundState.DUPLICATE).duplicate_of_id == \
        first.email.pk


@pytest.mark.django_db
def test_every_corpus_message_leaves_one_row_with_a_visible_outcome(department, settings):
    """The shared corpus (read where it lives, never copied): as many rows as messages
    accepted, each in one final outcome with its reason; only copies of the same content
    are duplicates, and every reused Message-ID is linked to its first use."""
    from destek.mail.tests.test_processing_corpus import _corpus

    corpus = _corpus()
    if corpus is None:
        pytest.skip("the shared mail corpus (../shared/corpus/mail) is not on this machine")
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    from destek.mail.models import Mailbox

    Mailbox.objects.create(name="Support", address="support@destek.example",
                           department=department)
    files = sorted(corpus.rglob("*.eml"))
    for path in files:
        store_raw(raw=path.read_bytes(), source="upload", envelope_to=["support@destek.example"])
    while processing.process_claimed(processing.claim_waiting(batch_size=50)):
        pass
    rows = list(InboundEmail.objects.order_by("pk"))
    assert len(rows) == len(files)
    finals = ["ticket", "reply", "ignored", "duplicate", "quarantined"]
    counts = {name: InboundEmail.objects.filter(OUTCOMES[name][1]).count() for name in finals}
    assert sum(counts.values()) == len(files), counts
    by_pk = {row.pk: row for row in rows}
    first_use: dict[str, int] = {}
    for row, path in zip(rows, files, strict=True):
        assert row.note or row.error, path
        if row.state == InboundState.DUPLICATE:
            original = by_pk[row.duplicate_of_id]
            assert identity.fingerprint(path.read_bytes()) == identity.fingerprint(
                bytes(original.raw)), path
            continue
        if row.header_message_id in first_use:
            assert row.same_message_id_as_id == first_use[row.header_message_id], path
        elif row.header_message_id:
            first_use[row.header_message_id] = row.pk
