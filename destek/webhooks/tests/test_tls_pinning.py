"""HTTPS to a pinned address: the connection goes to the IP the guard checked, and the
certificate is still verified for the URL's host name (sent as the TLS server name)."""

from __future__ import annotations

import datetime
import functools
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from destek.tickets.factories import open_ticket
from destek.webhooks import delivery, guard, services
from destek.webhooks.models import Delivery, EventType

pytestmark = [pytest.mark.django_db]

HOST = "hooks.example.net"


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA and a leaf certificate for `name` signed by it: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class _Ok(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Ok.seen.append(self.headers.get("Host", ""))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def _https_server(cert: Path, key: Path) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pinned_https(tmp_path, monkeypatch, settings):  # type: ignore[no-untyped-def]
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    real = socket.getaddrinfo
    monkeypatch.setattr(guard.socket, "getaddrinfo", lambda host, port, *a, **k: real(
        "127.0.0.1" if host == HOST else host, port, *a, **k))

    def start(certificate_name: str) -> Iterator[int]:
        ca, cert, key = _certificate(tmp_path, certificate_name)
        trusting = ssl.create_default_context(cafile=str(ca))
        monkeypatch.setattr(delivery.httpx, "Client",
                            functools.partial(httpx.Client, verify=trusting))
        return _https_server(cert, key)

    return start


@pytest.mark.parametrize(("certificate_name", "delivered"),
                         [(HOST, True), ("someone-else.example.org", False)])
def test_https_is_verified_for_the_host_name_while_connecting_to_the_checked_address(
        pinned_https, admin, customer, department, certificate_name, delivered):
    _Ok.seen = []
    server = pinned_https(certificate_name)
    port = next(server)
    try:
        services.endpoint_create(actor=admin, name="TLS", kind="webhook",
                                 url=f"https://{HOST}:{port}/hook",
                                 events=[EventType.TICKET_CREATED])
        open_ticket(customer=customer, department=department)
        row = Delivery.objects.get()
        outcome = delivery.deliver(row.pk)
    finally:
        next(server, None)
    if delivered:
        assert outcome == delivery.Outcome.DELIVERED
        assert _Ok.seen == [f"{HOST}:{port}"]
    else:  # a certificate for another name is refused: nothing is sent
        assert outcome == delivery.Outcome.RETRY
        row.refresh_from_db()
        assert "certificate" in row.last_error.lower() and _Ok.seen == []
