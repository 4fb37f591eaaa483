"""The SMTP receiver (`destek smtpd`): an aiosmtpd server that answers 250 only once the raw
message is committed.

The database work runs in a worker thread (channels' database_sync_to_async, which also drops
broken connections), so the event loop keeps serving other sessions while one message is
stored. Any database error is answered with a temporary 451: the sending MTA keeps the message
and retries, and the retry is deduplicated by Message-ID.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from channels.db import database_sync_to_async
from django.conf import settings

from destek.mail.doors.recipients import (
    known_mailbox,
    mailbox_for_address,
    mailbox_for_recipients,
)
from destek.mail.models import InboundSource
from destek.mail.store import store_raw

logger = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"


def _is_accepted_recipient(*, address: str) -> bool:
    if settings.DESTEK_SMTPD_ACCEPT_ALL:
        return True
    return mailbox_for_address(address=address) is not None


def _store(*, raw: bytes, recipients: list[str]) -> int:
    mailbox = mailbox_for_recipients(recipients=recipients)
    stored = store_raw(raw=raw, source=InboundSource.SMTP, mailbox=mailbox,
                       envelope_to=recipients)
    return stored.email.pk


class InboundHandler:
    """aiosmtpd handler hooks: RCPT TO checks the mailboxes, DATA stores the message."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= settings.DESTEK_SMTPD_MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            # A mailbox known to this process needs no database round trip (nor a thread).
            accepted = (known_mailbox(address=address) is not None
                        or await database_sync_to_async(_is_accepted_recipient)(address=address))
        except Exception:
            logger.exception("smtpd: cannot check recipient %s", address)
            return TEMPORARY_FAILURE
        if not accepted:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope,
    ) -> str:
        raw = envelope.original_content or b""
        if len(raw) > settings.DESTEK_MAIL_MAX_BYTES:
            return "552 5.3.4 Message too big"
        try:
            inbound_id = await database_sync_to_async(_store)(
                raw=raw, recipients=list(envelope.rcpt_tos))
        except Exception:
            # The sender keeps the message and retries; nothing is acknowledged unstored.
            logger.exception("smtpd: cannot store a message from %s", session.peer)
            return TEMPORARY_FAILURE
        return f"250 2.0.0 OK queued as {inbound_id}"


def _tls_context() -> ssl.SSLContext | None:
    cert, key = settings.DESTEK_SMTPD_TLS_CERT, settings.DESTEK_SMTPD_TLS_KEY
    if not (cert and key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class InboundSMTP(SMTP):
    # RFC 5321 allows 1000 octets a line, but real senders (HTML mailers) exceed it; refusing
    # such a message with a permanent 500 would lose a customer's email.
    line_length_limit = 65_536


class InboundController(Controller):
    """Builds the SMTP session per connection, so the size limit is read at call time."""

    def factory(self) -> SMTP:
        kwargs: dict[str, Any] = {
            **self.SMTP_kwargs,
            "data_size_limit": settings.DESTEK_MAIL_MAX_BYTES,
            "hostname": settings.DESTEK_SMTPD_HOSTNAME or socket.gethostname(),
            "ident": "Destek ESMTP",
        }
        tls_context = _tls_context()
        if tls_context is not None:
            kwargs["tls_context"] = tls_context
        return InboundSMTP(self.handler, **kwargs)


def smtp_controller(*, host: str, port: int) -> InboundController:
    """A receiver for `host:port`; `start()` serves it from a thread, `stop()` ends it."""
    # No AUTH: the receiver takes mail for its own mailboxes only, like any MX.
    return InboundController(InboundHandler(), hostname=host, port=port, ready_timeout=30,
                             decode_data=False, enable_SMTPUTF8=True)
