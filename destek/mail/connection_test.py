""""Test connection" for a mailbox: each stage of reaching its IMAP server (and the SMTP
server mail leaves through) tried in turn — the name (DNS), the connection, TLS, signing in,
the folder — so the admin reads which one failed and why, in their language."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from imap_tools import BaseMailBox

from destek.core.sealing import Unreadable
from destek.mail import oauth
from destek.mail.doors.imap import describe_error, log_in, open_connection
from destek.mail.models import Mailbox
from destek.notifications.transports import SmtpTransport, current_transport, tls_context


@dataclass(frozen=True)
class Step:
    stage: str  # dns, connect, tls, login, folder
    ok: bool
    message: str


@dataclass
class ServerTest:
    server: str  # "IMAP" or "SMTP"
    address: str  # host:port
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def passed(self, stage: str, message: str) -> None:
        self.steps.append(Step(stage, True, message))

    def failed(self, stage: str, message: str) -> ServerTest:
        self.steps.append(Step(stage, False, message))
        return self


@dataclass(frozen=True)
class ConnectionTest:
    servers: tuple[ServerTest, ...]

    @property
    def ok(self) -> bool:
        return all(server.ok for server in self.servers)


def check_mailbox(*, mailbox: Mailbox) -> ConnectionTest:
    """Every server the mailbox uses, stage by stage (stops at a server's first failure)."""
    servers = []
    if mailbox.imap_host:
        servers.append(check_imap(mailbox=mailbox))
    smtp = smtp_test_for(mailbox=mailbox)
    if smtp is not None:
        servers.append(smtp)
    return ConnectionTest(tuple(servers))


def _resolve(test: ServerTest, host: str, port: int) -> bool:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        test.failed("dns", _("The server name %(host)s cannot be found (DNS): %(error)s. "
                             "Check the host name.") % {"host": host, "error": error})
        return False
    test.passed("dns", _("%(host)s found.") % {"host": host})
    return True


def _connection_failed(test: ServerTest, error: BaseException, *, secure: bool) -> ServerTest:
    if secure and isinstance(error, ssl.SSLError | ssl.CertificateError):
        return test.failed("tls", _("The secure connection (TLS) failed: %(error)s. Check the "
                                    "security setting and the port.")
                           % {"error": describe_error(error)})
    return test.failed("connect", _("No connection to %(address)s: %(error)s. Check the port, "
                                    "the security setting and any firewall.")
                       % {"address": test.address, "error": describe_error(error)})


def check_imap(*, mailbox: Mailbox) -> ServerTest:
    test = ServerTest("IMAP", f"{mailbox.imap_host}:{mailbox.imap_port}")
    if not _resolve(test, mailbox.imap_host, mailbox.imap_port):
        return test
    secure = mailbox.imap_security != "none"
    try:
        client = open_connection(mailbox=mailbox)
    except Exception as error:
        return _connection_failed(test, error, secure=secure)
    test.passed("connect", _("Connected to %(address)s.") % {"address": test.address})
    if secure:
        test.passed("tls", _("The connection is encrypted (TLS)."))
    try:
        _imap_login_and_folder(test, client, mailbox)
    finally:
        try:
            client.logout()
        except Exception:
            client.client.shutdown()
    return test


def _imap_login_and_folder(test: ServerTest, client: BaseMailBox, mailbox: Mailbox) -> None:
    try:
        log_in(client=client, mailbox=mailbox)
    except Unreadable:
        test.failed("login", _("The stored password or token cannot be read any more (the "
                               "secret key changed): enter the password or sign in again."))
        return
    except oauth.OAuthError as error:
        test.failed("login", _("No access token from the provider: %(error)s. Sign in with "
                               "the provider again.") % {"error": error})
        return
    except Exception as error:
        test.failed("login", _("The server refused to sign in %(user)s: %(error)s. Check the "
                               "user name and the password.")
                    % {"user": mailbox.imap_username, "error": describe_error(error)})
        return
    test.passed("login", _("Signed in as %(user)s.") % {"user": mailbox.imap_username})
    try:
        status = client.folder.status(mailbox.imap_folder, ["MESSAGES"])
    except Exception as error:
        test.failed("folder", _("The folder %(folder)s cannot be opened: %(error)s.")
                    % {"folder": mailbox.imap_folder, "error": describe_error(error)})
        return
    test.passed("folder", _("%(folder)s holds %(count)s messages.")
                % {"folder": mailbox.imap_folder, "count": status.get("MESSAGES", 0)})


SmtpLogin = Callable[[smtplib.SMTP], object]


def smtp_test_for(*, mailbox: Mailbox) -> ServerTest | None:
    """The SMTP server this mailbox's mail leaves through: the provider's with XOAUTH2 for an
    OAuth2 mailbox, else the relay in DESTEK_EMAIL_URL; None when mail is written to files."""
    if mailbox.imap_auth == "oauth2" and mailbox.oauth_provider in oauth.PROVIDERS:
        provider = oauth.PROVIDERS[mailbox.oauth_provider]

        def login(client: smtplib.SMTP) -> object:
            return smtp_xoauth2_login(client, user=mailbox.imap_username,
                                      token=oauth.access_token(mailbox))

        return check_smtp(host=provider.smtp_host, port=provider.smtp_port,
                          starttls=provider.smtp_starttls,
                         implicit_tls=False, login=login, user=mailbox.imap_username)
    transport = current_transport()
    if not isinstance(transport, SmtpTransport):
        return None

    def password_login(client: smtplib.SMTP) -> object:
        return client.login(transport.username, transport.password)

    return check_smtp(host=transport.host, port=transport.port, starttls=transport.starttls,
                     implicit_tls=transport.implicit_tls,
                     login=password_login if transport.username else None,
                     user=transport.username)


def smtp_xoauth2_login(client: smtplib.SMTP, *, user: str, token: str) -> object:
    """AUTH XOAUTH2 with the SASL string as the initial response; on a refusal the server
    sends a JSON challenge, answered with an empty line as the mechanism requires."""
    sasl = oauth.xoauth2_string(user=user, token=token)
    client.ehlo_or_helo_if_needed()
    return client.auth("XOAUTH2", lambda challenge=None: "" if challenge else sasl,
                       initial_response_ok=True)


def check_smtp(*, host: str, port: int, starttls: bool, implicit_tls: bool,
              login: SmtpLogin | None, user: str = "",
              timeout: float | None = None) -> ServerTest:
    test = ServerTest("SMTP", f"{host}:{port}")
    if not _resolve(test, host, port):
        return test
    timeout = timeout or float(settings.DESTEK_IMAP_TIMEOUT)
    secure = starttls or implicit_tls
    client: smtplib.SMTP
    try:
        if implicit_tls:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
    except Exception as error:
        return _connection_failed(test, error, secure=implicit_tls)
    test.passed("connect", _("Connected to %(address)s.") % {"address": test.address})
    try:
        if starttls:
            try:
                client.starttls(context=tls_context())
            except Exception as error:
                return _connection_failed(test, error, secure=True)
        if secure:
            test.passed("tls", _("The connection is encrypted (TLS)."))
        if login is not None:
            try:
                login(client)
            except oauth.OAuthError as error:
                return test.failed("login", _("No access token from the provider: %(error)s. "
                                              "Sign in with the provider again.")
                                   % {"error": error})
            except (smtplib.SMTPException, imaplib.IMAP4.error, OSError) as error:
                return test.failed("login", _("The server refused to sign in %(user)s: "
                                              "%(error)s. Check the user name and the password.")
                                   % {"user": user, "error": describe_error(error)})
            test.passed("login", _("Signed in as %(user)s.") % {"user": user})
    finally:
        try:
            client.quit()
        except Exception:
            client.close()
    return test
