"""OAuth2 sign-in for mailboxes at Google Workspace and Microsoft 365 (IMAP and SMTP with
XOAUTH2): the authorization-code flow with PKCE and a state, the code exchange, refreshing the
access token, and the SASL string both protocols send.

Tokens are stored sealed (destek.core.sealing) on the mailbox; the client secret sealed on the
OAuthApp. The web layer keeps a `Pending` sign-in in the person's session between the redirect
to the provider and the provider's redirect back.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.core.sealing import seal, unseal
from destek.mail.models import Mailbox, OAuthApp

CLIENT_SECRET_PURPOSE = "mail.oauth.client-secret"  # noqa: S105  (names a key, not a secret)
TOKEN_PURPOSE = "mail.oauth.token"  # noqa: S105  (names a key, not a secret)
TIMEOUT = 20.0
# Refresh a little before the provider says the token expires.
EXPIRY_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Provider:
    key: str
    authorize_url: str
    token_url: str
    scope: str
    imap_host: str
    smtp_host: str
    extra_params: tuple[tuple[str, str], ...] = ()
    imap_port: int = 993
    smtp_port: int = 587
    smtp_starttls: bool = True


PROVIDERS: dict[str, Provider] = {
    "google": Provider(
        key="google",
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",  # noqa: S106  (a URL)
        scope="https://mail.google.com/",
        imap_host="imap.gmail.com", smtp_host="smtp.gmail.com",
        # A refresh token, and again on a second sign-in.
        extra_params=(("access_type", "offline"), ("prompt", "consent")),
    ),
    "microsoft": Provider(
        key="microsoft",
        authorize_url="https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        token_url="https://login.microsoftonline.com/common/oauth2/v2.0/token",  # noqa: S106
        scope="https://outlook.office.com/IMAP.AccessAsUser.All "
              "https://outlook.office.com/SMTP.Send offline_access",
        imap_host="outlook.office365.com", smtp_host="smtp.office365.com",
    ),
}


class OAuthError(Exception):
    """The sign-in or a refresh failed; the message says why (shown to the admin)."""


def client_secret(app: OAuthApp) -> str:
    return unseal(app.sealed_client_secret, purpose=CLIENT_SECRET_PURPOSE)


def set_client_secret(app: OAuthApp, secret: str) -> None:
    app.sealed_client_secret = seal(secret, purpose=CLIENT_SECRET_PURPOSE)


@dataclass(frozen=True)
class Pending:
    """A sign-in under way: what the callback must find in the session (JSON)."""

    state: str
    verifier: str
    mailbox_id: int
    provider: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Pending | None:
        try:
            return cls(state=str(data["state"]), verifier=str(data["verifier"]),
                       mailbox_id=int(data["mailbox_id"]), provider=str(data["provider"]))
        except (TypeError, KeyError, ValueError):
            return None


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def begin(*, app: OAuthApp, mailbox: Mailbox, redirect_uri: str) -> tuple[str, Pending]:
    """The provider's sign-in URL to send the admin to, and what to remember meanwhile."""
    provider = PROVIDERS[app.provider]
    pending = Pending(state=secrets.token_urlsafe(32), verifier=secrets.token_urlsafe(64),
                      mailbox_id=mailbox.pk, provider=app.provider)
    params = {
        "response_type": "code", "client_id": app.client_id, "redirect_uri": redirect_uri,
        "scope": provider.scope, "state": pending.state,
        "code_challenge": _challenge(pending.verifier), "code_challenge_method": "S256",
        **dict(provider.extra_params),
    }
    if mailbox.imap_username:
        params["login_hint"] = mailbox.imap_username
    separator = "&" if "?" in app.authorize_url else "?"
    return f"{app.authorize_url}{separator}{urlencode(params)}", pending


def complete(*, app: OAuthApp, pending: Pending | None, state: str, code: str,
             redirect_uri: str, mailbox: Mailbox) -> None:
    """The provider sent the admin back: check the state, exchange the code, store the tokens
    and switch the mailbox to OAuth2. Raises OAuthError."""
    if pending is None or not state or not secrets.compare_digest(pending.state, state):
        raise OAuthError(_("The sign-in did not start here or has expired (state mismatch)."))
    if pending.mailbox_id != mailbox.pk or pending.provider != app.provider:
        raise OAuthError(_("The sign-in was started for another mailbox."))
    if not code:
        raise OAuthError(_("The provider sent no authorization code."))
    tokens = _token_request(app, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": pending.verifier,
    })
    if not tokens.get("refresh_token"):
        raise OAuthError(_("The provider gave no refresh token (offline access not granted)."))
    _store(mailbox, tokens)
    mailbox.imap_auth = "oauth2"
    mailbox.oauth_provider = app.provider
    mailbox.save(update_fields=["imap_auth", "oauth_provider", "oauth_refresh_token",
                                "oauth_access_token", "oauth_expires_at"])


def access_token(mailbox: Mailbox) -> str:
    """A valid access token for the mailbox, refreshed (and stored) when it expires."""
    now = timezone.now()
    if (mailbox.oauth_access_token and mailbox.oauth_expires_at
            and mailbox.oauth_expires_at - EXPIRY_MARGIN > now):
        return unseal(mailbox.oauth_access_token, purpose=TOKEN_PURPOSE)
    refresh = unseal(mailbox.oauth_refresh_token, purpose=TOKEN_PURPOSE)
    if not refresh:
        raise OAuthError(_("This mailbox has not been signed in with its provider yet."))
    app = OAuthApp.objects.filter(provider=mailbox.oauth_provider).first()
    if app is None:
        raise OAuthError(_("No OAuth2 app is configured for this provider."))
    tokens = _token_request(app, {"grant_type": "refresh_token", "refresh_token": refresh})
    _store(mailbox, tokens)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_refresh_token=mailbox.oauth_refresh_token,
        oauth_access_token=mailbox.oauth_access_token, oauth_expires_at=mailbox.oauth_expires_at)
    return str(tokens["access_token"])


def xoauth2_string(*, user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def _store(mailbox: Mailbox, tokens: dict[str, Any]) -> None:
    # A provider may rotate the refresh token; without a new one the old one stays valid.
    if tokens.get("refresh_token"):
        mailbox.oauth_refresh_token = seal(str(tokens["refresh_token"]), purpose=TOKEN_PURPOSE)
    mailbox.oauth_access_token = seal(str(tokens["access_token"]), purpose=TOKEN_PURPOSE)
    try:
        lifetime = int(tokens.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600
    mailbox.oauth_expires_at = timezone.now() + timedelta(seconds=lifetime)


def _token_request(app: OAuthApp, data: dict[str, str]) -> dict[str, Any]:
    form = {**data, "client_id": app.client_id}
    secret = client_secret(app)
    if secret:
        form["client_secret"] = secret
    try:
        response = httpx.post(app.token_url, data=form, timeout=TIMEOUT,
                              headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise OAuthError(_("The token endpoint did not answer: %(error)s")
                         % {"error": error}) from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) \
            or not body.get("access_token"):
        reason = body.get("error_description") or body.get("error") if isinstance(body, dict) \
            else ""
        raise OAuthError(_("The token endpoint refused (%(status)s): %(reason)s")
                         % {"status": response.status_code,
                            "reason": reason or response.text[:200]})
    return body
