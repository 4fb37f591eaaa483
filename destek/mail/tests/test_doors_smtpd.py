"""The SMTP receiver, driven by Python's smtplib over a real socket.

The server is Destek's own (`smtp_controller`, what `destek smtpd` serves) on a free local port,
run in a thread of this process, so it writes to the test database; one test starts the
`destek smtpd` command itself against a database that is down.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError

from destek.mail.doors import smtpd
from destek.mail.models import InboundEmail, InboundSource, Mailbox
from destek.mail.tests.doors_helpers import closed_port, free_port, make_mailbox, message_bytes

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "deniz@customer.example"


@pytest.fixture
def mailbox(department) -> Mailbox:
    return make_mailbox(department=department)


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Processing is another task's business: record what would be enqueued."""
    calls: list[int] = []
    monkeypatch.setattr("destek.mail.store._stored", calls.append)
    return calls


@pytest.fixture
def server(enqueued) -> Iterator[int]:
    port = free_port()
    controller = smtpd.smtp_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def connect(port: int) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", port, timeout=10)
    client.ehlo("customer.example")
    return client


def test_accepted_message_is_stored_with_its_exact_bytes(server, mailbox, enqueued):
    raw = message_bytes(body="A line\r\n.starting with a dot\r\nünicode")
    with connect(server) as client:
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt("support+4711@example.com")[0] == 250
        code, reply = client.data(raw)

    assert code == 250, reply
    row = InboundEmail.objects.get()
    assert bytes(row.raw) == raw
    assert row.source == InboundSource.SMTP
    assert row.mailbox == mailbox
    assert row.envelope_to == ["support+4711@example.com"]
    assert f"queued as {row.pk}".encode() in reply
    assert enqueued == [row.pk]


def test_the_same_message_twice_is_acknowledged_and_stored_once(server, mailbox):
    raw = message_bytes(message_id="once@customer.example")
    for _ in range(2):
        with connect(server) as client:
            client.sendmail(SENDER, ["support@example.com"], raw)
    original = InboundEmail.objects.exclude(state="duplicate").get()
    assert InboundEmail.objects.get(state="duplicate").duplicate_of == original


def test_size_is_announced_and_oversized_messages_are_refused(server, mailbox, settings):
    settings.DESTEK_MAIL_MAX_BYTES = 2000
    with connect(server) as client:
        assert client.esmtp_features["size"] == "2000"
        # A client that announces the size is refused at MAIL FROM …
        code, _ = client.mail(SENDER, ["SIZE=5000"])
        assert code == 552
        client.rset()
        # … one that does not, after DATA.
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt("support@example.com")[0] == 250
        code, _ = client.data(message_bytes(size=5000))
    assert code == 552
    assert not InboundEmail.objects.exists()


def test_unknown_recipients_are_refused(server, mailbox):
    with connect(server) as client:
        client.mail(SENDER)
        assert client.rcpt("nobody@example.com")[0] == 550
        assert client.rcpt("support@elsewhere.example")[0] == 550
        assert client.rcpt("SUPPORT@Example.com")[0] == 250


def test_inactive_mailboxes_do_not_receive(server, department):
    make_mailbox(department=department, address="old@example.com", is_active=False)
    with connect(server) as client:
        client.mail(SENDER)
        assert client.rcpt("old@example.com")[0] == 550


def test_accept_all_takes_any_recipient(server, settings):
    settings.DESTEK_SMTPD_ACCEPT_ALL = True
    with connect(server) as client:
        client.sendmail(SENDER, ["whoever@example.com"], message_bytes())
    row = InboundEmail.objects.get()
    assert row.mailbox is None
    assert row.envelope_to == ["whoever@example.com"]


def test_mailbox_comes_from_the_first_known_recipient(server, mailbox, department, settings):
    settings.DESTEK_SMTPD_ACCEPT_ALL = True
    billing = make_mailbox(department=department, address="billing@example.com")
    with connect(server) as client:
        client.sendmail(SENDER, ["stranger@example.com", "billing@example.com",
                                 "support@example.com"], message_bytes())
    assert InboundEmail.objects.get().mailbox == billing


def test_recipients_per_message_are_bounded(server, mailbox, settings):
    settings.DESTEK_SMTPD_MAX_RECIPIENTS = 2
    with connect(server) as client:
        client.mail(SENDER)
        assert client.rcpt("support@example.com")[0] == 250
        assert client.rcpt("support+a@example.com")[0] == 250
        assert client.rcpt("support+b@example.com")[0] == 452


def test_database_down_at_data_is_a_temporary_failure(server, mailbox, monkeypatch):
    def down(**_kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(smtpd, "store_raw", down)
    with connect(server) as client:
        client.mail(SENDER)
        client.rcpt("support@example.com")
        code, reply = client.data(message_bytes())
    assert code == 451
    assert reply.startswith(b"4.3.0")
    assert not InboundEmail.objects.exists()


def test_database_down_at_rcpt_is_a_temporary_failure(server, mailbox, monkeypatch):
    def down(**_kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(smtpd, "mailbox_for_address", down)
    with connect(server) as client:
        client.mail(SENDER)
        assert client.rcpt("support@example.com")[0] == 451


def test_a_slow_store_does_not_block_other_sessions(server, mailbox, monkeypatch):
    """The database work runs off the event loop: while one message is being stored, the
    server still greets and serves other connections."""
    release = threading.Event()
    entered = threading.Event()
    real_store = smtpd.store_raw

    def slow_store(**kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(10)
        return real_store(**kwargs)

    monkeypatch.setattr(smtpd, "store_raw", slow_store)
    results: list[int] = []

    def send() -> None:
        with connect(server) as client:
            client.mail(SENDER)
            client.rcpt("support@example.com")
            results.append(client.data(message_bytes())[0])

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert entered.wait(10)
        with connect(server) as other:
            assert other.noop()[0] == 250
            assert other.mail(SENDER)[0] == 250
    finally:
        release.set()
        sender.join(10)
    assert results == [250]
    assert InboundEmail.objects.count() == 1


def test_destek_smtpd_command_defers_mail_while_the_database_is_down(tmp_path: Path):
    """The real command, pointed at a PostgreSQL port nobody listens on."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://destek@127.0.0.1:{closed_port()}/destek",
        "DATABASE_POOL": "0",
        "DESTEK_DATA_DIR": str(tmp_path),
        "DESTEK_MAIL_MAX_BYTES": "4096",
    }
    env.pop("REDIS_URL", None)
    log = tmp_path / "smtpd.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "destek.cli", "smtpd", "--port", str(port)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        client = None
        deadline = time.monotonic() + 30
        while client is None:
            try:
                client = connect(port)
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"destek smtpd did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        with client:
            assert client.esmtp_features["size"] == "4096"
            assert client.mail(SENDER)[0] == 250
            code, reply = client.rcpt("support@example.com")
        assert code == 451, reply
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0, log.read_text()[-3000:]


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mx.destek.test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_is_offered_when_a_certificate_is_configured(server, mailbox, settings,
                                                               tmp_path):
    pytest.importorskip("cryptography")
    with connect(server) as client:
        assert not client.has_extn("starttls")
    settings.DESTEK_SMTPD_TLS_CERT, settings.DESTEK_SMTPD_TLS_KEY = map(
        str, _self_signed_certificate(tmp_path))
    raw = message_bytes(subject="Over TLS")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    with connect(server) as client:
        assert client.has_extn("starttls")
        assert client.starttls(context=context)[0] == 220
        client.ehlo("customer.example")
        client.sendmail(SENDER, ["support@example.com"], raw)
    assert bytes(InboundEmail.objects.get().raw) == raw


def test_destek_run_starts_the_receiver_with_smtpd_port(tmp_path: Path):
    web_port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CELERY_BROKER_URL")}
    env.update(DEBUG="1", DESTEK_DATA_DIR=str(tmp_path / "data"))
    log = tmp_path / "run.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "destek.cli", "run", "--no-worker", "--no-demo",
             "--port", str(web_port), "--smtpd-port", str(smtp_port)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with connect(smtp_port) as client:
                    assert client.has_extn("size")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"no SMTP receiver:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # The receiver goes with `destek run`.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", smtp_port), timeout=2).close()
        except OSError:
            break
        time.sleep(0.3)
    else:
        pytest.fail("the SMTP receiver outlived destek run")


def test_a_known_mailbox_costs_no_query_and_a_new_one_is_found_at_once(
        server, department, monkeypatch):
    """The door remembers mailboxes it found active for a minute (no round trip per RCPT and
    DATA); an address it did not find is asked for again, so a new mailbox takes mail at
    once, and a mailbox switched off is refused once the minute has passed."""
    from destek.mail.doors import recipients

    with connect(server) as client:
        client.mail(SENDER)
        assert client.rcpt("new@example.com")[0] == 550
    mailbox = make_mailbox(department=department, address="new@example.com")
    lookups: list[str] = []
    real_lookup = smtpd._is_accepted_recipient

    def counting(*, address: str) -> bool:
        lookups.append(address)
        return real_lookup(address=address)

    monkeypatch.setattr(smtpd, "_is_accepted_recipient", counting)
    for n in range(3):
        with connect(server) as client:
            client.sendmail(SENDER, ["new@example.com"], message_bytes(message_id=f"k{n}@x"))
    assert lookups == ["new@example.com"]  # the first message's RCPT only
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 3

    Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)  # in another process
    for address, (known, _until) in list(recipients._found.items()):  # the minute passes
        recipients._found[address] = (known, time.monotonic() - 1)
    with connect(server) as client:
        client.mail(SENDER)
        assert client.rcpt("new@example.com")[0] == 550
