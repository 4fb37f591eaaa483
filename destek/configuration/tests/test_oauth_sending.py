"""Outgoing mail of an OAuth2 mailbox leaves through its provider's SMTP (a local aiosmtpd
that requires AUTH XOAUTH2), with an access token from a local token endpoint, refreshed
when it has expired; other mail keeps the relay; a refused sign-in leaves the email in the
outbox for a retry."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.utils import timezone

from destek.configuration.tests.test_settings_mailboxes import TokenEndpoint, serving
from destek.core.sealing import seal
from destek.mail import oauth
from destek.mail.models import Mailbox, OAuthApp
from destek.mail.tests.doors_helpers import free_port, make_mailbox
from destek.notifications import delivery
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.transports import close_kept_sessions
from destek.tickets.factories import open_ticket

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")]

USER = "help@acme.example"


class Recorder:
    """Records what arrives; with `endpoint`, takes only XOAUTH2 with its latest token."""

    def __init__(self, endpoint: TokenEndpoint | None = None) -> None:
        self.endpoint = endpoint
        self.sasl: list[str] = []
        self.messages: list[bytes] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        decoded = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        self.sasl.append(decoded)
        token = f"access-{self.endpoint.issued}" if self.endpoint else ""
        return AuthResult(success=decoded == oauth.xoauth2_string(user=USER, token=token),
                          handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def _refuse_passwords(*args: Any) -> AuthResult:
    return AuthResult(success=False)


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    with serving(TokenEndpoint()) as served:
        yield served


@pytest.fixture
def provider_smtp(endpoint: TokenEndpoint, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """Google's SMTP, here: a local server that signs in only with XOAUTH2."""
    handler = Recorder(endpoint)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), auth_required=True,
                            auth_require_tls=False, authenticator=_refuse_passwords)
    controller.start()
    monkeypatch.setitem(oauth.PROVIDERS, "google", dataclasses.replace(
        oauth.PROVIDERS["google"], smtp_host="127.0.0.1", smtp_port=controller.port,
        smtp_starttls=False))
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def relay(settings: Any) -> Iterator[Recorder]:
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.DESTEK_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield handler
    finally:
        close_kept_sessions()
        controller.stop()


@pytest.fixture
def oauth_mailbox(department: Any, endpoint: TokenEndpoint) -> Mailbox:
    """Signed in earlier: its access token (access-3) has expired, refresh-3 still holds."""
    app = OAuthApp.objects.create(provider="google", client_id="client-1",
                                  authorize_url="https://accounts.example/auth",
                                  token_url=endpoint.url)
    oauth.set_client_secret(app, "shh")
    app.save()
    endpoint.issued = 3
    return make_mailbox(
        department=department, address=USER, imap_auth="oauth2", oauth_provider="google",
        imap_username=USER, oauth_refresh_token=seal("refresh-3", purpose=oauth.TOKEN_PURPOSE),
        oauth_access_token=seal("access-3", purpose=oauth.TOKEN_PURPOSE),
        oauth_expires_at=timezone.now() - timedelta(minutes=5))


def _deliver_pending() -> list[OutboundEmail]:
    ids = list(OutboundEmail.objects.filter(status=OutboxStatus.PENDING)
               .values_list("pk", flat=True))
    delivery.deliver_many(ids)
    return list(OutboundEmail.objects.filter(pk__in=ids).order_by("pk"))


def test_an_oauth2_mailbox_sends_through_its_provider_with_a_refreshed_token(
        oauth_mailbox, provider_smtp, relay, endpoint, customer, department):
    open_ticket(customer=customer, department=department, subject="Site is down")
    rows = _deliver_pending()
    assert rows and all(row.status == OutboxStatus.SENT for row in rows), \
        [row.last_error for row in rows]
    assert [r["grant_type"] for r in endpoint.requests] == ["refresh_token"]  # expired first
    assert provider_smtp.sasl == [f"user={USER}\x01auth=Bearer access-4\x01\x01"]
    assert len(provider_smtp.messages) == len(rows) and relay.messages == []
    assert b"Site is down" in provider_smtp.messages[0]

    # The fresh token was stored: the next email uses it without asking the endpoint again.
    open_ticket(customer=customer, department=department, subject="Still down")
    assert all(row.status == OutboxStatus.SENT for row in _deliver_pending())
    assert len(endpoint.requests) == 1
    assert provider_smtp.sasl[-1] == f"user={USER}\x01auth=Bearer access-4\x01\x01"


def test_a_password_mailbox_keeps_the_relay(oauth_mailbox, provider_smtp, relay, customer,
                                            other_department):
    make_mailbox(department=other_department, address="billing@destek.example")
    open_ticket(customer=customer, department=other_department, subject="Invoice")
    rows = _deliver_pending()
    assert rows and all(row.status == OutboxStatus.SENT for row in rows)
    assert provider_smtp.messages == [] and provider_smtp.sasl == []
    assert len(relay.messages) == len(rows) and b"Invoice" in relay.messages[0]


def test_a_refused_sign_in_leaves_the_email_for_a_retry(
        oauth_mailbox, provider_smtp, relay, endpoint, customer, department, monkeypatch):
    # The provider accepts only a token issued later than the one we get: a revoked grant.
    monkeypatch.setattr(provider_smtp, "endpoint", None)
    open_ticket(customer=customer, department=department, subject="Site is down")
    (row, *_rest) = _deliver_pending()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > timezone.now()
    assert "refused the XOAUTH2 sign-in of help@acme.example" in row.last_error
    assert provider_smtp.messages == [] and relay.messages == []

    # The admin signs in again: the retry goes out.
    monkeypatch.setattr(provider_smtp, "endpoint", endpoint)
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == delivery.Outcome.SENT
    assert len(provider_smtp.messages) == 1


def test_a_failed_token_refresh_leaves_the_email_for_a_retry(
        oauth_mailbox, provider_smtp, relay, endpoint, customer, department):
    endpoint.issued = 7  # refresh-3 is no longer valid
    open_ticket(customer=customer, department=department, subject="Site is down")
    (row, *_rest) = _deliver_pending()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "No OAuth2 access token for help@acme.example" in row.last_error
    assert "invalid_grant" in row.last_error
    assert provider_smtp.sasl == [] and relay.messages == []
