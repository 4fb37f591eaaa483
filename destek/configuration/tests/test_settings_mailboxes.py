"""Settings → Mailboxes: who may open it, the form in plain words, the connection test against
a real IMAP server (dovecot) and a real SMTP server (aiosmtpd), "Send test email", and the
OAuth2 sign-in against a local token endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.core.sealing import seal, unseal
from destek.mail import oauth
from destek.mail.connection_test import check_imap, check_smtp, smtp_xoauth2_login
from destek.mail.models import Mailbox, OAuthApp
from destek.mail.tests.doors_helpers import closed_port, free_port, make_mailbox
from destek.mail.tests.dovecot import PASSWORD, run_dovecot
from destek.mail.tests.test_doors_imap import account, dovecot  # noqa: F401
from destek.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None) -> Any:
    return AgentFactory(full_name="Ayşe Yönetici", role=Role.ADMIN, email="ayse@destek.example")


@pytest.fixture
def admin_client(client: Client, admin: Any) -> Client:
    client.force_login(admin)
    return client


def form_data(department: Any, **changes: Any) -> dict[str, Any]:
    data = {"address": "help@destek.example", "name": "Help", "department": department.pk,
            "is_active": "on", "from_name": "Acme Support", "signature": "Acme",
            "sender_policy": "accept", "imap_host": "", "imap_port": "993",
            "imap_security": "ssl", "imap_auth": "password", "oauth_provider": "",
            "imap_username": "", "imap_password": "", "imap_folder": "INBOX",
            "imap_archive_folder": ""}
    data.update(changes)
    return data


# --- who may open it ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.OUTSOURCED])
def test_only_admins_open_mailboxes(client, department, role):
    mailbox = make_mailbox(department=department)
    client.force_login(AgentFactory(role=role))
    for url in (reverse("settings:mailboxes"), reverse("settings:mailbox_add"),
                reverse("settings:mailbox_edit", args=[mailbox.pk]),
                reverse("settings:oauth_app", args=["google"])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("settings:mailbox_test", args=[mailbox.pk])).status_code == 404
    assert client.post(reverse("settings:mailbox_send_test", args=[mailbox.pk])).status_code \
        == 404
    assert not OutboundEmail.objects.exists()


def test_customers_get_404(customer_client, department):
    mailbox = make_mailbox(department=department)
    assert customer_client.get(reverse("settings:mailboxes")).status_code == 404
    assert customer_client.get(
        reverse("settings:mailbox_edit", args=[mailbox.pk])).status_code == 404


# --- the form ----------------------------------------------------------------------------------

def test_admin_adds_a_mailbox_and_the_change_is_audited(admin_client, department):
    response = admin_client.post(reverse("settings:mailbox_add"), form_data(department))
    mailbox = Mailbox.objects.get(address="help@destek.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:mailbox_edit", args=[mailbox.pk])
    assert mailbox.department == department and mailbox.from_name == "Acme Support"
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.target == f"mail.mailbox:{mailbox.pk}"
    assert event.detail["change"] == "added"
    listing = admin_client.get(reverse("settings:mailboxes")).content.decode()
    assert "help@destek.example" in listing


def test_the_form_hides_imap_internals_and_the_password(admin_client, department):
    mailbox = make_mailbox(department=department, imap_host="imap.example.com",
                           imap_username="help", imap_password="s3cret-pass",
                           imap_uidvalidity=987654, imap_last_uid=4242)
    page = admin_client.get(reverse("settings:mailbox_edit", args=[mailbox.pk])).content.decode()
    assert "imap.example.com" in page
    for hidden in ("987654", "4242", "UIDVALIDITY", "s3cret-pass"):
        assert hidden not in page


def test_an_empty_password_keeps_the_stored_one(admin_client, department):
    mailbox = Mailbox.objects.create(department=department, address="help@destek.example",
                                     name="Help", signature="Acme", from_name="Acme Support",
                                     imap_host="imap.example.com", imap_username="help",
                                     imap_password="old-pass")
    response = admin_client.post(
        reverse("settings:mailbox_edit", args=[mailbox.pk]),
        form_data(department, imap_host="imap.example.com", imap_username="help",
                  from_name="New name"))
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "old-pass" and mailbox.from_name == "New name"
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.detail["fields"] == ["from_name"]
    assert "old-pass" not in json.dumps(event.detail)


def test_missing_server_details_are_explained(admin_client, department):
    response = admin_client.post(reverse("settings:mailbox_add"),
                                 form_data(department, imap_host="imap.example.com"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-imap_username"' in page
    assert 'data-testid="error-imap_password"' in page
    assert not Mailbox.objects.exists()


def test_choosing_a_provider_fills_in_its_server(admin_client, department):
    response = admin_client.post(reverse("settings:mailbox_add"), form_data(
        department, imap_auth="oauth2", oauth_provider="google",
        imap_username="help@acme.example"))
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.imap_host, mailbox.imap_port, mailbox.imap_security) == \
        ("imap.gmail.com", 993, "ssl")


def test_the_form_speaks_turkish(admin_client, admin, department):
    admin.language = "tr"
    admin.save(update_fields=["language"])
    page = admin_client.get(reverse("settings:mailbox_add")).content.decode()
    assert "Gelen posta sunucusu (IMAP)" in page


# --- the connection test -------------------------------------------------------------------------

def test_connection_test_passes_against_dovecot(admin_client, department, dovecot,  # noqa: F811
                                                 account, settings):  # noqa: F811
    settings.DESTEK_EMAIL_URL = ""  # files: no SMTP to test
    mailbox = make_mailbox(department=department, imap_host="127.0.0.1",
                           imap_port=dovecot.port, imap_security="none",
                           imap_username=account, imap_password=PASSWORD)
    response = admin_client.post(reverse("settings:mailbox_test", args=[mailbox.pk]),
                                 HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'data-testid="mailbox-test-ok"' in page, page
    for stage in ("dns", "connect", "login", "folder"):
        assert f'data-testid="test-step-{stage}"' in page


def test_connection_test_names_the_failing_stage(admin_client, department, dovecot,  # noqa: F811
                                                 account, settings):  # noqa: F811
    settings.DESTEK_EMAIL_URL = ""

    def failing_stage(**fields: Any) -> str:
        mailbox = make_mailbox(department=department, address=f"{free_port()}@x.example",
                               imap_security="none", imap_username=account, **fields)
        page = admin_client.post(reverse("settings:mailbox_test", args=[mailbox.pk]),
                                 HTTP_HX_REQUEST="true").content.decode()
        assert 'data-testid="mailbox-test-failed"' in page
        return page

    page = failing_stage(imap_host="no-such-host.invalid", imap_password=PASSWORD)
    assert "(DNS)" in page
    page = failing_stage(imap_host="127.0.0.1", imap_port=closed_port(), imap_password=PASSWORD)
    assert "No connection to 127.0.0.1" in page
    page = failing_stage(imap_host="127.0.0.1", imap_port=dovecot.port, imap_password="wrong")
    assert "The server refused to sign in" in page
    page = failing_stage(imap_host="127.0.0.1", imap_port=dovecot.port, imap_password=PASSWORD,
                         imap_folder="Nowhere")
    assert "The folder Nowhere cannot be opened" in page


def test_a_tls_mismatch_is_reported_as_tls(admin_client, department, dovecot,  # noqa: F811
                                           account, settings):  # noqa: F811
    """SSL/TLS chosen for a server that speaks plain IMAP on that port."""
    settings.DESTEK_EMAIL_URL = ""
    mailbox = make_mailbox(department=department, imap_host="127.0.0.1",
                           imap_port=dovecot.port, imap_security="ssl",
                           imap_username=account, imap_password=PASSWORD)
    page = admin_client.post(reverse("settings:mailbox_test", args=[mailbox.pk]),
                             HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="test-step-tls"' in page
    assert "The secure connection (TLS) failed" in page


# --- SMTP: the relay and XOAUTH2 ----------------------------------------------------------------

class RecordingHandler:
    """An SMTP server that accepts PLAIN for one password and XOAUTH2 for one token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.sasl: list[str] = []
        self.messages: list[bytes] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        decoded = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        self.sasl.append(decoded)
        ok = decoded == f"user=help@acme.example\x01auth=Bearer {self.token}\x01\x01"
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def _plain_ok(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult as Result

    return Result(success=data.login == b"relay" and data.password == b"relay-pass")


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler(token="fresh-access-token")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            auth_require_tls=False, authenticator=_plain_ok)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_xoauth2_sends_the_sasl_string_google_and_microsoft_expect(smtp_server):
    controller, handler = smtp_server

    def login(client: Any) -> object:
        return smtp_xoauth2_login(client, user="help@acme.example", token="fresh-access-token")

    result = check_smtp(host="127.0.0.1", port=controller.port, starttls=False,
                        implicit_tls=False, login=login, user="help@acme.example")
    assert result.ok, result.steps
    assert handler.sasl == ["user=help@acme.example\x01auth=Bearer fresh-access-token\x01\x01"]

    def bad_login(client: Any) -> object:
        return smtp_xoauth2_login(client, user="help@acme.example", token="revoked")

    refused = check_smtp(host="127.0.0.1", port=controller.port, starttls=False,
                         implicit_tls=False, login=bad_login, user="help@acme.example")
    assert not refused.ok and refused.steps[-1].stage == "login"


def test_connection_test_checks_the_outgoing_relay_too(admin_client, department, settings,
                                                       smtp_server):
    controller, _handler = smtp_server
    mailbox = make_mailbox(department=department)
    settings.DESTEK_EMAIL_URL = f"smtp://relay:relay-pass@127.0.0.1:{controller.port}"
    page = admin_client.post(reverse("settings:mailbox_test", args=[mailbox.pk]),
                             HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="mailbox-test-ok"' in page and "SMTP" in page
    settings.DESTEK_EMAIL_URL = f"smtp://relay:wrong@127.0.0.1:{controller.port}"
    page = admin_client.post(reverse("settings:mailbox_test", args=[mailbox.pk]),
                             HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="mailbox-test-failed"' in page
    assert "The server refused to sign in relay" in page


def test_send_test_email_goes_through_the_outbox_and_the_relay(
        admin_client, admin, department, settings, smtp_server,
        django_capture_on_commit_callbacks):
    controller, handler = smtp_server
    settings.DESTEK_EMAIL_URL = f"smtp://relay:relay-pass@127.0.0.1:{controller.port}"
    mailbox = make_mailbox(department=department, address="help@destek.example",
                           from_name="Acme Support")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("settings:mailbox_send_test", args=[mailbox.pk]),
                                     HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 302
    row = OutboundEmail.objects.get(kind="mailbox_test")
    row.refresh_from_db()
    assert row.recipients == [admin.email]
    assert "help@destek.example" in row.from_email
    assert row.status == "sent"  # delivered by the (eager) worker through the relay
    (raw,) = handler.messages
    assert b"help@destek.example" in raw


# --- OAuth2 -------------------------------------------------------------------------------------

class TokenEndpoint:
    """A provider's token endpoint: one authorization code, checked against the PKCE
    challenge the sign-in URL carried; refresh tokens rotate."""

    def __init__(self) -> None:
        self.challenge = ""
        self.requests: list[dict[str, str]] = []
        self.issued = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[-1] for k, v in
                        parse_qs(self.rfile.read(length).decode()).items()}
                endpoint.requests.append(form)
                status, body = endpoint.answer(form)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if "token" in form:  # dovecot's introspection of the token an IMAP client sent
            active = form["token"] == f"access-{self.issued}"
            return 200, {"active": active, "username": "help@acme.example"} if active \
                else {"active": False}
        if form.get("client_id") != "client-1" or form.get("client_secret") != "shh":
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "authorization_code":
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            verified = base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == self.challenge
            if form.get("code") != "the-code" or not verified:
                return 400, {"error": "invalid_grant", "error_description": "bad code"}
        elif form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") != f"refresh-{self.issued}":
                return 400, {"error": "invalid_grant"}
        else:
            return 400, {"error": "unsupported_grant_type"}
        self.issued += 1
        return 200, {"access_token": f"access-{self.issued}", "expires_in": 3600,
                     "refresh_token": f"refresh-{self.issued}", "token_type": "Bearer"}


@contextmanager
def serving(endpoint: TokenEndpoint) -> Iterator[TokenEndpoint]:
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        endpoint.server.shutdown()
        endpoint.server.server_close()


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    with serving(TokenEndpoint()) as endpoint:
        yield endpoint


OAUTH2_PASSDB = """
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {conf}
}}
"""


@pytest.fixture(scope="module")
def oauth_dovecot() -> Iterator[tuple[Any, TokenEndpoint]]:
    """dovecot taking XOAUTH2, asking the local endpoint whether a token is valid."""
    with serving(TokenEndpoint()) as endpoint:
        folder = Path(tempfile.mkdtemp(prefix="destek-oauth2-"))
        folder.chmod(0o755)
        conf = folder / "oauth2.conf.ext"
        conf.write_text(f"introspection_mode = post\n"
                        f"introspection_url = {endpoint.url.replace('/token', '/introspect')}\n"
                        "force_introspection = yes\nusername_attribute = username\n"
                        "active_attribute = active\nactive_value = true\n")
        conf.chmod(0o644)
        try:
            with run_dovecot(auth_mechanisms="plain login xoauth2",
                             static_mechanisms="plain login",
                             extra_config=OAUTH2_PASSDB.format(conf=conf)) as server:
                yield server, endpoint
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def test_an_oauth2_mailbox_signs_in_to_imap_with_xoauth2(department, oauth_dovecot, settings):
    """The whole way: an expired access token is refreshed at the token endpoint, sent to
    dovecot with AUTHENTICATE XOAUTH2, and dovecot asks the endpoint whether it is valid."""
    settings.DESTEK_EMAIL_URL = ""
    server, endpoint = oauth_dovecot
    endpoint.issued = 0
    app = OAuthApp.objects.create(provider="google", client_id="client-1",
                                  authorize_url="https://accounts.example/auth",
                                  token_url=endpoint.url)
    oauth.set_client_secret(app, "shh")
    app.save()
    mailbox = make_mailbox(department=department, imap_host="127.0.0.1", imap_port=server.port,
                           imap_security="none", imap_auth="oauth2", oauth_provider="google",
                           imap_username="help@acme.example",
                           oauth_refresh_token=seal("refresh-0", purpose=oauth.TOKEN_PURPOSE))
    result = check_imap(mailbox=mailbox)
    assert result.ok, result.steps
    assert [r["grant_type"] for r in endpoint.requests if "grant_type" in r] == ["refresh_token"]
    assert any(r.get("token") == "access-1" for r in endpoint.requests)  # dovecot asked

    endpoint.issued = 5  # the provider revoked access-1: dovecot refuses it
    refused = check_imap(mailbox=Mailbox.objects.get(pk=mailbox.pk))
    assert not refused.ok and refused.steps[-1].stage == "login"


def test_admin_configures_the_provider_app_with_a_sealed_secret(admin_client):
    response = admin_client.post(reverse("settings:oauth_app", args=["microsoft"]), {
        "client_id": "client-1", "client_secret": "shh",
        "authorize_url": oauth.PROVIDERS["microsoft"].authorize_url,
        "token_url": oauth.PROVIDERS["microsoft"].token_url})
    assert response.status_code == 302
    app = OAuthApp.objects.get(provider="microsoft")
    assert app.sealed_client_secret and "shh" not in app.sealed_client_secret
    assert oauth.client_secret(app) == "shh"
    page = admin_client.get(reverse("settings:oauth_app", args=["microsoft"])).content.decode()
    assert "shh" not in page and "client-1" in page
    assert AuditEvent.objects.filter(target=f"mail.oauthapp:{app.pk}").exists()
    assert admin_client.get(reverse("settings:oauth_app", args=["yahoo"])).status_code == 404


def test_oauth_sign_in_end_to_end(admin_client, department, token_endpoint):
    app = OAuthApp.objects.create(provider="google", client_id="client-1",
                                  authorize_url="https://accounts.example/auth",
                                  token_url=token_endpoint.url)
    oauth.set_client_secret(app, "shh")
    app.save()
    mailbox = make_mailbox(department=department, imap_host="imap.gmail.com",
                           imap_auth="oauth2", oauth_provider="google",
                           imap_username="help@acme.example")

    # 1. To the provider, with a state and a PKCE challenge.
    response = admin_client.post(reverse("settings:mailbox_oauth_start", args=[mailbox.pk]))
    assert response.status_code == 302
    sent = urlsplit(response["Location"])
    query = {k: v[-1] for k, v in parse_qs(sent.query).items()}
    assert sent.netloc == "accounts.example"
    assert query["code_challenge_method"] == "S256" and query["client_id"] == "client-1"
    assert query["login_hint"] == "help@acme.example" and query["access_type"] == "offline"
    assert query["redirect_uri"].endswith(reverse("settings:mailbox_oauth_callback"))
    token_endpoint.challenge = query["code_challenge"]
    callback = reverse("settings:mailbox_oauth_callback")

    # 2. Back with another state: refused, nothing exchanged, and the sign-in is spent.
    admin_client.get(callback, {"state": "forged", "code": "the-code"})
    assert token_endpoint.requests == []
    mailbox.refresh_from_db()
    assert not mailbox.oauth_refresh_token

    # 3. Again, with the right state: the code is exchanged with the PKCE verifier.
    response = admin_client.post(reverse("settings:mailbox_oauth_start", args=[mailbox.pk]))
    query = {k: v[-1] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    token_endpoint.challenge = query["code_challenge"]
    response = admin_client.get(callback, {"state": query["state"], "code": "the-code"})
    assert response.status_code == 302
    (exchange,) = token_endpoint.requests
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    mailbox.refresh_from_db()
    assert mailbox.imap_auth == "oauth2"
    assert "refresh-1" not in mailbox.oauth_refresh_token  # sealed
    assert unseal(mailbox.oauth_refresh_token, purpose=oauth.TOKEN_PURPOSE) == "refresh-1"
    assert oauth.access_token(mailbox) == "access-1"  # still valid: no request
    assert len(token_endpoint.requests) == 1
    assert AuditEvent.objects.filter(detail__fields=["oauth_sign_in"]).exists()

    # 4. Expired: refreshed, and the rotated refresh token is kept.
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_expires_at=timezone.now() - timedelta(minutes=1))
    mailbox.refresh_from_db()
    assert oauth.access_token(mailbox) == "access-2"
    assert token_endpoint.requests[-1]["grant_type"] == "refresh_token"
    mailbox.refresh_from_db()
    assert unseal(mailbox.oauth_refresh_token, purpose=oauth.TOKEN_PURPOSE) == "refresh-2"
    assert oauth.access_token(mailbox) == "access-2"


def test_a_refused_code_is_reported(admin_client, department, token_endpoint):
    app = OAuthApp.objects.create(provider="microsoft", client_id="client-1",
                                  authorize_url="https://login.example/authorize",
                                  token_url=token_endpoint.url)
    oauth.set_client_secret(app, "shh")
    app.save()
    mailbox = make_mailbox(department=department, imap_host="outlook.office365.com",
                           imap_auth="oauth2", oauth_provider="microsoft",
                           imap_username="help@acme.example")
    response = admin_client.post(reverse("settings:mailbox_oauth_start", args=[mailbox.pk]))
    query = {k: v[-1] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    response = admin_client.get(reverse("settings:mailbox_oauth_callback"),
                                {"state": query["state"], "code": "stolen"}, follow=True)
    assert "bad code" in response.content.decode()
    mailbox.refresh_from_db()
    assert not mailbox.oauth_refresh_token


def test_the_password_is_stored_sealed(admin_client, department):
    admin_client.post(reverse("settings:mailbox_add"), form_data(
        department, imap_host="imap.example.com", imap_username="help",
        imap_password="s3cret-pass"))
    mailbox = Mailbox.objects.get()
    assert mailbox.imap_password == "s3cret-pass"
    stored = Mailbox.objects.values_list("imap_password_sealed", flat=True).get()
    assert stored and "s3cret-pass" not in stored


def test_a_password_sealed_under_another_key_is_asked_again(admin_client, department,
                                                            dovecot, account):  # noqa: F811
    """After SECRET_KEY changed without the old one in SECRET_KEY_FALLBACKS."""
    mailbox = Mailbox.objects.create(department=department, address="help@destek.example",
                                     name="Help", imap_host="127.0.0.1",
                                     imap_port=dovecot.port, imap_security="none",
                                     imap_username=account,
                                     imap_password_sealed=seal(PASSWORD, purpose="other key"))
    page = admin_client.post(reverse("settings:mailbox_edit", args=[mailbox.pk]), form_data(
        department, imap_host="127.0.0.1", imap_username=account)).content.decode()
    assert 'data-testid="error-imap_password"' in page
    result = check_imap(mailbox=mailbox)
    assert not result.ok and result.steps[-1].stage == "login"
    assert "cannot be read any more" in result.steps[-1].message


def test_the_list_reads_a_fixed_number_of_queries(admin_client, department,
                                                  django_assert_max_num_queries):
    for n in range(6):
        make_mailbox(department=department, address=f"box{n}@destek.example")
    with django_assert_max_num_queries(8):
        assert admin_client.get(reverse("settings:mailboxes")).status_code == 200
