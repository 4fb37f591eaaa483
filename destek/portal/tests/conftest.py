"""Portal test helpers: uploads, tickets with attachments, and guest links."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from destek.accounts.models import Department, User
from destek.tickets.factories import open_ticket
from destek.tickets.models import Ticket
from destek.tickets.uploads import InboundFile


def upload(name: str = "notes.txt", content: bytes = b"hello from the customer",
           content_type: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def inbound_file(name: str = "log.txt", content: bytes = b"error log line") -> InboundFile:
    return InboundFile(name=name, content=content, content_type="text/plain")


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


@pytest.fixture
def ticket(customer: User, department: Department) -> Ticket:
    return open_ticket(customer=customer, department=department, subject="Site is down",
                       body="My site returns 500.",
                       attachments=(inbound_file("error.txt", b"500 Internal Server Error"),))


@pytest.fixture
def make_ticket(customer: User, department: Department) -> Callable[..., Ticket]:
    def make(**kwargs: object) -> Ticket:
        kwargs.setdefault("customer", customer)
        kwargs.setdefault("department", department)
        return open_ticket(**kwargs)  # type: ignore[arg-type]

    return make
