"""Delivery through a real SMTP server (aiosmtpd on a local port): a batch shares one
connection, and so do a process's batches that follow one another closely; a relay that
hangs up between messages costs nothing, and plain SMTP never loads the TLS certificates."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from destek.notifications import delivery, transports
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.outbox import outbox_email_create

pytestmark = pytest.mark.django_db


@dataclass
class Relay:
    """Accepts everything; with `per_connection`, answers 421 to the message after that many
    on one connection, as relays capping messages per connection do."""

    per_connection: int = 0
    received: list[bytes] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)
    counts: dict[tuple[str, int], int] = field(default_factory=dict)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        peer = tuple(session.peer)
        self.connections.add(peer)
        if self.per_connection and self.counts.get(peer, 0) >= self.per_connection:
            return "421 Too many messages on this connection, closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        peer = tuple(session.peer)
        self.counts[peer] = self.counts.get(peer, 0) + 1
        self.received.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def relay(settings) -> Iterator[Relay]:
    handler = Relay()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.DESTEK_EMAIL_URL = f"smtp://127.0.0.1:{port}"
    try:
        yield handler
    finally:
        transports.close_kept_sessions()
        controller.stop()


def rows(count: int) -> list[int]:
    return [outbox_email_create(message=mail.EmailMessage(
        f"Message {n}", "Body", None, [f"to{n}@example.com"])).pk for n in range(count)]


def test_a_batch_goes_through_one_connection(relay):
    ids = rows(5)
    outcomes = delivery.deliver_many(ids)
    assert outcomes == [delivery.Outcome.SENT] * 5
    assert len(relay.received) == 5
    assert len(relay.connections) == 1
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_a_relay_that_hangs_up_between_messages_loses_and_delays_nothing(relay):
    relay.per_connection = 2
    ids = rows(5)
    outcomes = delivery.deliver_many(ids)
    assert outcomes == [delivery.Outcome.SENT] * 5
    assert len(relay.received) == 5  # each once: the refused MAIL carried no message
    assert len(relay.connections) == 3
    assert OutboundEmail.objects.filter(status=OutboxStatus.SENT, attempts=1).count() == 5


def test_batches_one_after_another_share_the_connection(relay):
    for _ in range(3):
        assert delivery.deliver_many(rows(2)) == [delivery.Outcome.SENT] * 2
    assert delivery.deliver(rows(1)[0]) == delivery.Outcome.SENT  # one row alone too
    assert len(relay.received) == 7
    assert len(relay.connections) == 1


def test_a_connection_idle_too_long_is_replaced(relay, monkeypatch):
    assert delivery.deliver_many(rows(2)) == [delivery.Outcome.SENT] * 2
    monkeypatch.setattr(transports, "KEEP_IDLE_SECONDS", -1.0)
    assert delivery.deliver_many(rows(2)) == [delivery.Outcome.SENT] * 2
    assert len(relay.connections) == 2


def test_a_kept_connection_the_relay_closed_loses_nothing(relay):
    relay.per_connection = 1  # 421 to the next message on the kept connection
    assert delivery.deliver_many(rows(1)) == [delivery.Outcome.SENT]
    assert delivery.deliver_many(rows(1)) == [delivery.Outcome.SENT]
    assert len(relay.received) == 2
    assert len(relay.connections) == 2
    assert OutboundEmail.objects.filter(status=OutboxStatus.SENT, attempts=1).count() == 2


def test_a_forked_process_never_uses_its_parents_connection(relay, monkeypatch):
    assert delivery.deliver_many(rows(1)) == [delivery.Outcome.SENT]
    real_pid = transports.os.getpid()
    monkeypatch.setattr(transports.os, "getpid", lambda: real_pid + 1)
    assert delivery.deliver_many(rows(1)) == [delivery.Outcome.SENT]
    assert len(relay.connections) == 2


def test_a_failed_connection_is_not_kept(relay, monkeypatch):
    ids = rows(1)
    with transports.transport_session(transports.current_transport()) as session:
        session.send(outbox_id=ids[0], from_email="a@example.com", recipients=["b@example.com"],
                     raw=b"Subject: x\r\n\r\nx\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            session.send(outbox_id=ids[0], from_email="a@example.com", recipients=[],
                         raw=b"Subject: x\r\n\r\nx\r\n")
    assert transports._kept == {}


def test_plain_smtp_never_loads_the_tls_certificates(relay, monkeypatch):
    transports.tls_context.cache_clear()

    def refuse() -> ssl.SSLContext:
        raise AssertionError("a TLS context was built for a plain SMTP relay")

    monkeypatch.setattr(ssl, "create_default_context", refuse)
    assert delivery.deliver_many(rows(2)) == [delivery.Outcome.SENT] * 2


def test_the_tls_context_is_built_once_per_process(monkeypatch):
    transports.tls_context.cache_clear()
    built: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting() -> ssl.SSLContext:
        built.append(real())
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    assert transports.tls_context() is transports.tls_context()
    assert len(built) == 1
    transports.tls_context.cache_clear()
