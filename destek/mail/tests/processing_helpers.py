"""Feeding ParsedEmail values through store_raw and processing, without the MIME parser:
each stored raw message is a unique stub that maps to the ParsedEmail a test built."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest

from destek.mail import processing
from destek.mail.models import InboundEmail
from destek.mail.parsing.types import ParsedEmail
from destek.mail.store import store_raw

_counter = itertools.count(1)


def parsed(**fields: Any) -> ParsedEmail:
    number = next(_counter)
    defaults: dict[str, Any] = {
        "message_id": f"m{number}@client.example.org",
        "subject": "Website is down",
        "from_address": "deniz@example.com",
        "to": ("support@destek.example",),
        "text": "My site returns 500 since this morning.",
    }
    defaults.update(fields)
    return ParsedEmail(**defaults)


class Feeder:
    """`feed(parsed)` stores a stub raw message and processes it; returns (outcome, row)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.by_raw: dict[bytes, ParsedEmail] = {}
        monkeypatch.setattr(processing, "parse", self._parse)

    def _parse(self, raw: bytes) -> ParsedEmail:
        return self.by_raw[raw]

    def store(self, mail: ParsedEmail, **kwargs: Any) -> InboundEmail:
        header = f"Message-ID: <{mail.message_id}>\r\n" if mail.message_id else ""
        raw = f"{header}X-Stub: {next(_counter)}\r\n\r\nstub\r\n".encode()
        self.by_raw[raw] = mail
        kwargs.setdefault("source", "smtp")
        return store_raw(raw=raw, **kwargs).email

    def feed(self, mail: ParsedEmail, **kwargs: Any) -> tuple[str, InboundEmail]:
        row = self.store(mail, **kwargs)
        outcome = processing.process(row.pk)
        row.refresh_from_db()
        return outcome, row


def reply_to(mail: ParsedEmail, **fields: Any) -> ParsedEmail:
    """A reply quoting `mail`'s Message-ID."""
    number = next(_counter)
    fields.setdefault("message_id", f"r{number}@client.example.org")
    fields.setdefault("subject", f"Re: {mail.subject}")
    fields.setdefault("in_reply_to", (mail.message_id,))
    fields.setdefault("references", (mail.message_id,))
    fields.setdefault("text", "Any news?")
    return replace(parsed(), **fields)
