"""Outgoing mail of an OAuth2 mailbox (Google Workspace, Microsoft 365): sent through its
provider's SMTP, signed in with AUTH XOAUTH2 and a fresh access token (refreshed when it
expires, as for IMAP), not through the relay in DESTEK_EMAIL_URL, which may not send as that
address. destek.wiring gives `oauth_transport_for` to destek.notifications.directory.

A failed refresh or sign-in raises OAuthSendError, which delivery records and retries like
any other failure: the email stays in the outbox until an admin signs in again."""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr

from destek.core.sealing import Unreadable
from destek.mail import oauth
from destek.mail.connection_test import smtp_xoauth2_login
from destek.mail.models import Mailbox
from destek.notifications.transports import PartiallyRefused, tls_context

TIMEOUT = 30.0


class OAuthSendError(Exception):
    """No token, or the provider refused the sign-in: what an admin must fix (retried)."""


@dataclass
class OAuthSmtpTransport:
    mailbox: Mailbox

    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None:
        mailbox = self.mailbox
        provider = oauth.PROVIDERS[mailbox.oauth_provider]
        user = mailbox.imap_username or mailbox.address
        server = f"{provider.smtp_host}:{provider.smtp_port}"
        try:
            token = oauth.access_token(mailbox)
        except (oauth.OAuthError, Unreadable) as error:
            raise OAuthSendError(
                f"No OAuth2 access token for {mailbox.address} ({provider.key}): {error} "
                "Sign in with the provider again in Settings → Mailboxes.") from error
        client = smtplib.SMTP(provider.smtp_host, provider.smtp_port, timeout=TIMEOUT)
        try:
            if provider.smtp_starttls:
                client.starttls(context=tls_context())
            try:
                smtp_xoauth2_login(client, user=user, token=token)
            except smtplib.SMTPException as error:
                raise OAuthSendError(
                    f"{server} refused the XOAUTH2 sign-in of {user}: {error}. Sign in with "
                    "the provider again in Settings → Mailboxes.") from error
            refused = client.sendmail(parseaddr(from_email)[1] or from_email, recipients, raw)
        finally:
            try:
                client.quit()
            except Exception:
                with contextlib.suppress(Exception):
                    client.close()
        if refused:
            raise PartiallyRefused(refused)


def oauth_transport_for(address: str) -> OAuthSmtpTransport | None:
    """The provider's transport when `address` is an OAuth2 mailbox's, else None (the
    relay)."""
    mailbox = (Mailbox.objects.filter(address__iexact=address, imap_auth="oauth2",
                                      oauth_provider__in=list(oauth.PROVIDERS))
               .order_by("pk").first())
    return OAuthSmtpTransport(mailbox) if mailbox is not None else None
