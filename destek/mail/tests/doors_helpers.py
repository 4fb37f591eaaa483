"""Helpers shared by the door tests (test_doors_*.py): ports, messages, mailboxes."""

from __future__ import annotations

import socket
import uuid

from destek.accounts.models import Department
from destek.core.testing import missing_service  # noqa: F401  (re-exported)
from destek.mail.models import Mailbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A local port nothing listens on (bound once, then released)."""
    return free_port()


def message_bytes(*, subject: str = "Site is down", body: str = "Please help.",
                  to: str = "support@example.com", message_id: str | None = None,
                  size: int = 0) -> bytes:
    """A small RFC 5322 message with CRLF line endings (what SMTP carries unchanged)."""
    message_id = message_id or f"{uuid.uuid4().hex}@customer.example"
    lines = [
        "From: Deniz <deniz@customer.example>",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        "Date: Mon, 06 Jan 2025 10:00:00 +0300",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
    ]
    raw = ("\r\n".join(lines) + "\r\n").encode()
    while len(raw) < size:
        raw += b"x" * 70 + b"\r\n"
    return raw


def make_mailbox(*, department: Department, address: str = "support@example.com",
                 **fields: object) -> Mailbox:
    return Mailbox.objects.create(name=address.split("@")[0], address=address,
                                  department=department, **fields)
