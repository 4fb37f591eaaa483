"""Issue 12, hole 5: a nonce-based Content-Security-Policy on every page, HSTS over https, and
API docs that load nothing from another host."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

import destek
from destek.core.security import HSTS_DEFAULT_SECONDS, hsts_seconds
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def nonce_of(response) -> str:  # type: ignore[no-untyped-def]
    found = [v for v in policy(response)["script-src"] if v.startswith("'nonce-")]
    assert len(found) == 1, response.headers["Content-Security-Policy"]
    return found[0][len("'nonce-"):-1]


def assert_strict(response) -> None:  # type: ignore[no-untyped-def]
    directives = policy(response)
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name] and "'unsafe-eval'" not in directives[name]
        assert "'self'" in directives[name]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]  # as X-Frame-Options: DENY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert directives["img-src"] == ["'self'", "data:"]  # no remote image unless asked
    assert "ws://testserver" in directives["connect-src"]  # the desk's and the chat's sockets


def pages(customer, agent, department) -> dict[str, tuple[Client, str]]:  # type: ignore[no-untyped-def]
    ticket = open_ticket(customer=customer, department=department)
    anonymous, as_customer, as_agent = Client(), Client(), Client()
    as_customer.force_login(customer)
    as_agent.force_login(agent)
    return {
        "sign-in": (anonymous, reverse("account_login")),
        "help center": (anonymous, reverse("kb:index")),
        "portal ticket": (as_customer, reverse("portal:ticket_detail", args=[ticket.pk])),
        "desk queue": (as_agent, reverse("desk:queue")),
        "desk ticket": (as_agent, reverse("desk:ticket", args=[ticket.pk])),
        "chat console": (as_agent, reverse("livechat_desk:console")),
        "api docs": (as_agent, reverse("api:docs")),
        "not found": (anonymous, "/no-such-page/"),
    }


def test_every_kind_of_page_carries_a_strict_policy(customer, agent, department):
    for name, (client, url) in pages(customer, agent, department).items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert "Content-Security-Policy" in response.headers, name
        assert_strict(response)


def test_the_nonce_is_fresh_on_every_response_and_on_the_inline_code(agent):
    client = Client()
    client.force_login(agent)
    first, second = client.get(reverse("api:docs")), client.get(reverse("api:docs"))
    assert nonce_of(first) != nonce_of(second)
    for response in (first, second):
        nonce = nonce_of(response)
        assert len(nonce) >= 16
        # Every inline <script> and <style> of the page carries this response's nonce.
        inline = re.findall(r"<(script|style)\b([^>]*)>", response.text)
        assert inline
        for tag, attributes in inline:
            if "src=" not in attributes:
                assert f'nonce="{nonce}"' in attributes, (tag, attributes)


def test_the_api_docs_load_nothing_from_another_host(agent):
    client = Client()
    client.force_login(agent)
    for name in ("api:docs", "api:redoc"):
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain in ([], [(reverse("api:docs"), 302)])
        text = response.text
        # No Google Fonts, CDN or logo: every URL in the page is Destek's own.
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), name
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text
        assert policy(response)["font-src"] == ["'self'"]
    assert_strict(client.get(reverse("api:docs")))
    docs = client.get(reverse("api:docs")).text
    assert '"validatorUrl": null' in docs  # no badge fetched from swagger.io


TEMPLATES = sorted(p for p in Path(destek.__file__).parent.rglob("templates/**/*.html"))
INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE)
INLINE_CODE = re.compile(r"<(script|style)\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"
                         r"([^>]*)>", re.IGNORECASE)


ROOT = Path(destek.__file__).parent


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_code_the_policy_would_block(path: Path):
    """No on* handler, no style attribute, no inline <script>/<style> without the nonce."""
    text = path.read_text()
    assert not INLINE_HANDLER.search(text)
    assert not STYLE_ATTRIBUTE.search(text)
    for _tag, attributes in INLINE_CODE.findall(text):
        assert 'nonce="{{ CSP_NONCE }}"' in attributes


def test_hsts_follows_the_base_url():
    assert hsts_seconds(base_url="https://support.example.com", configured=None) == (
        HSTS_DEFAULT_SECONDS)
    assert hsts_seconds(base_url="https://support.example.com", configured=600) == 600
    assert hsts_seconds(base_url="https://support.example.com", configured=0) == 0
    assert hsts_seconds(base_url="http://support.example.com", configured=None) == 0
    assert hsts_seconds(base_url="http://support.example.com", configured=600) == 0


def _settings_hsts(base_url: str) -> str:
    """SECURE_HSTS_SECONDS as the settings module computes it from the environment."""
    done = subprocess.run(
        [sys.executable, "-c", "import destek.settings as s; print(s.SECURE_HSTS_SECONDS)"],
        env={"DESTEK_BASE_URL": base_url, "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(Path(destek.__file__).parent.parent)},
        capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip()


def test_settings_turn_hsts_on_for_https_only():
    assert _settings_hsts("https://support.example.com") == str(365 * 24 * 3600)
    assert _settings_hsts("http://127.0.0.1:8000") == "0"


def test_https_responses_carry_hsts_when_configured(settings, agent):
    settings.SECURE_HSTS_SECONDS = hsts_seconds(base_url="https://testserver", configured=None)
    response = Client().get(reverse("account_login"), secure=True)
    assert response.headers["Strict-Transport-Security"] == f"max-age={HSTS_DEFAULT_SECONDS}"
    assert "wss://testserver" in policy(response)["connect-src"]
    settings.SECURE_HSTS_SECONDS = hsts_seconds(base_url="http://testserver", configured=None)
    response = Client().get(reverse("account_login"), secure=True)
    assert "Strict-Transport-Security" not in response.headers
