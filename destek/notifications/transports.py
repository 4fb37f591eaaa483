"""Where delivered email really goes: an SMTP server, or .eml files for the quick start.

Configured by settings.DESTEK_EMAIL_URL, read at every delivery:

    ""                                   files in settings.DESTEK_SENT_MAIL_DIR, <outbox id>.eml
    file:///var/lib/destek/mail          files in that directory
    smtp://user:pass@host:587?tls=1      SMTP with STARTTLS (also smtp+tls://)
    smtp://host:25                       plain SMTP (a local relay)
    smtps://user:pass@host:465           SMTP over implicit TLS
    optional query parameters: timeout=<seconds> (default 30)

Written by hand rather than through Django's SMTP backend because delivery sends the stored
bytes unchanged (same Message-ID and Date on every attempt); Django's backends re-serialize
an EmailMessage. django-environ's email_url maps smtps:// to STARTTLS, which is wrong on 465.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}


class Transport(Protocol):
    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None: ...


@contextmanager
def transport_session(transport: Transport) -> Iterator[Transport]:
    """Something to `send` several messages through: one connection for all of them when the
    transport keeps one (`kept_session()`: still open from the process's last batch when it
    was recent), else the transport itself."""
    opener = getattr(transport, "kept_session", None)
    if opener is None:
        yield transport
        return
    with opener() as session:
        yield session


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Loading the system's CA certificates costs milliseconds: once per process, and only
    when the relay speaks TLS."""
    return ssl.create_default_context()


@dataclass(frozen=True)
class FileTransport:
    """One file per outbox row, named by its id: a re-send overwrites, never duplicates."""

    directory: Path

    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{outbox_id}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{outbox_id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 30.0

    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None:
        with self.kept_session() as session:
            session.send(outbox_id=outbox_id, from_email=from_email, recipients=recipients,
                         raw=raw)

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        session = SmtpSession(self)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def kept_session(self) -> Iterator[SmtpSession]:
        """`session()`, whose connection stays open afterwards for this process's next batch
        to the same relay, if it comes within KEEP_IDLE_SECONDS: a worker delivering task
        after task connects (greeting, STARTTLS, AUTH) once rather than once per task. A
        connection the relay closed meanwhile is replaced as in a batch (SmtpSession.send);
        one that failed is not kept."""
        session = _take_kept(self)
        kept = False
        try:
            yield session
            kept = True
        finally:
            if kept and session.client is not None:
                _keep(self, session)
            else:
                session.close()

    def connect(self) -> smtplib.SMTP:
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=tls_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                client.starttls(context=tls_context())
            if self.username:
                client.login(self.username, self.password)
        except BaseException:
            client.close()
            raise
        return client


# A relay may close a connection it has kept open (an idle timeout, a cap on messages per
# connection) and says so with 421, or just hangs up: then the next message gets a new one.
SESSION_CLOSED = (smtplib.SMTPServerDisconnected, ConnectionError)
MAX_MESSAGES_PER_CONNECTION = 100


class SmtpSession:
    """One SMTP connection for a batch of messages: connect, greeting, STARTTLS and AUTH
    once instead of per message (they cost more than sending the message itself)."""

    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self.client: smtplib.SMTP | None = None
        self.sent_on_connection = 0

    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None:
        envelope_from = parseaddr(from_email)[1] or from_email
        reused = self.client is not None
        try:
            refused = self._client().sendmail(envelope_from, recipients, raw)
        except Exception as exc:
            self.close()
            if not (reused and _connection_gone(exc)):
                raise
            # Closed while idle, before it took this message: once more on a new connection.
            refused = self._client().sendmail(envelope_from, recipients, raw)
        self.sent_on_connection += 1
        if self.sent_on_connection >= MAX_MESSAGES_PER_CONNECTION:
            self.close()
        if refused:
            # Some recipients were accepted: the message is out, a retry would duplicate it
            # for them. The refusals are reported, not retried.
            raise PartiallyRefused(refused)

    def _client(self) -> smtplib.SMTP:
        if self.client is None:
            self.client = self.transport.connect()
            self.sent_on_connection = 0
        return self.client

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        # The messages were accepted already: nothing said while hanging up may fail them.
        try:
            client.quit()
        except Exception:
            with contextlib.suppress(Exception):
                client.close()


# An SMTP connection kept open between batches, per relay, in this process only (a forked
# child never uses its parent's socket). Relays drop idle clients after a minute or more
# (Postfix: 300 s), so an older one is closed and replaced rather than tried.
KEEP_IDLE_SECONDS = 15.0


@dataclass
class _Kept:
    session: SmtpSession
    pid: int
    idle_since: float


_kept: dict[SmtpTransport, _Kept] = {}


def _take_kept(transport: SmtpTransport) -> SmtpSession:
    """The kept session to `transport` (taken out: two threads never share one), or a new
    one."""
    kept = _kept.pop(transport, None)
    if kept is not None and kept.pid == os.getpid():
        if time.monotonic() - kept.idle_since <= KEEP_IDLE_SECONDS:
            return kept.session
        kept.session.close()
    return SmtpSession(transport)


def _keep(transport: SmtpTransport, session: SmtpSession) -> None:
    previous = _kept.pop(transport, None)
    _kept[transport] = _Kept(session, os.getpid(), time.monotonic())
    if previous is not None and previous.pid == os.getpid() and previous.session is not session:
        previous.session.close()


def close_kept_sessions() -> None:
    """Hang up the connections kept open by this process (at exit; tests)."""
    while _kept:
        _transport, kept = _kept.popitem()
        if kept.pid == os.getpid():
            kept.session.close()


atexit.register(close_kept_sessions)


def _connection_gone(exc: Exception) -> bool:
    if isinstance(exc, SESSION_CLOSED):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


class PartiallyRefused(Exception):
    """The server accepted the message for some recipients and refused the others."""

    def __init__(self, refused: dict[str, tuple[int, bytes]]) -> None:
        self.refused = refused
        details = ", ".join(f"{addr}: {code} {msg!r}" for addr, (code, msg) in refused.items())
        super().__init__(f"Refused recipients: {details}")


def transport_from_url(url: str) -> Transport:
    """Build the transport for DESTEK_EMAIL_URL; an empty URL writes files."""
    url = url.strip()
    if not url:
        return FileTransport(Path(settings.DESTEK_SENT_MAIL_DIR))
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return FileTransport(Path(unquote(parts.path)))
    if scheme not in {"smtp", "smtp+tls", "smtps", "smtp+ssl"}:
        raise ImproperlyConfigured(f"DESTEK_EMAIL_URL: unsupported scheme {scheme!r}")
    if not parts.hostname:
        raise ImproperlyConfigured("DESTEK_EMAIL_URL: a host is required")
    query = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}
    implicit_tls = scheme in {"smtps", "smtp+ssl"} or query.get("ssl", "") in TRUE_VALUES
    starttls = not implicit_tls and (
        scheme == "smtp+tls"
        or query.get("tls", "") in TRUE_VALUES
        or query.get("starttls", "") in TRUE_VALUES
    )
    default_port = 465 if implicit_tls else 587 if starttls else 25
    try:
        port = parts.port or default_port
    except ValueError:
        raise ImproperlyConfigured("DESTEK_EMAIL_URL: the port must be a number") from None
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise ImproperlyConfigured("DESTEK_EMAIL_URL: timeout must be a number") from None
    return SmtpTransport(
        host=parts.hostname, port=port,
        username=unquote(parts.username or ""), password=unquote(parts.password or ""),
        starttls=starttls, implicit_tls=implicit_tls, timeout=timeout,
    )


def current_transport() -> Transport:
    return transport_from_url(settings.DESTEK_EMAIL_URL)
