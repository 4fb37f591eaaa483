"""End-to-end fixtures: a real `destek run` (uvicorn, Celery worker, SQLite or PostgreSQL) and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import email
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


@dataclass(frozen=True)
class RunningDestek:
    url: str
    data_dir: Path
    logins: dict[str, tuple[str, str]]
    log: Path
    env: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # Another website (its own port) that may embed the chat widget: DESTEK_CHAT_ALLOWED_ORIGINS.
    widget_host_origin: str = ""

    def sent_mail(self) -> list[bytes]:
        folder = self.data_dir / "sent-mail"
        return [p.read_bytes() for p in sorted(folder.glob("*.eml"))] if folder.exists() else []

    def destek(self, *args: str, timeout: float = 60) -> str:
        """Run a `destek` command (e.g. `shell -c ...`) against this server's database."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "destek.cli", *args], env=self.env, capture_output=True,
            text=True, timeout=timeout, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"destek {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_postgres_database(base_url: str) -> tuple[str, str]:
    """A throw-away database next to the one in DATABASE_URL, so the server starts empty."""
    import psycopg

    name = f"destek_e2e_{secrets.token_hex(4)}"
    parts = urlsplit(base_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), admin_url


def _drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def destek_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDestek]:
    data_dir = tmp_path_factory.mktemp("destek-e2e")
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    # "localhost", not 127.0.0.1: another origin than ALLOWED_HOSTS, so only the chat's list
    # lets it in.
    widget_host_origin = f"http://localhost:{_free_port()}"
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), DESTEK_DATA_DIR=str(data_dir),
               DESTEK_BASE_URL=f"http://127.0.0.1:{port}", ALLOWED_HOSTS="127.0.0.1",
               DESTEK_CHAT_ALLOWED_ORIGINS=widget_host_origin)
    # Webhook receivers the browser tests start listen on this machine (the SSRF guard lets
    # nothing else private through).
    env.update(DESTEK_WEBHOOK_ALLOWED_NETWORKS="127.0.0.1")
    created_db = admin_url = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        created_db, admin_url = _fresh_postgres_database(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = created_db
    log = data_dir / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "destek.cli", "run", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("destek run did not start:\n" + log.read_text())
            time.sleep(0.3)
        logins = {}
        for line in (data_dir / "demo-logins.txt").read_text().splitlines():
            role, email, password = line.split("\t")
            logins[role] = (email, password)
        yield RunningDestek(url=url, data_dir=data_dir, logins=logins, log=log, env=env,
                            widget_host_origin=widget_host_origin)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        if created_db and admin_url:
            _drop_database(admin_url, created_db)
        # Kept beside the screenshots: pytest's temp dirs are rotated away.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / "server.log")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("DESTEK_REQUIRE_SERVICES"):
            pytest.fail(f"{CHROMIUM} is missing; install it with apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing; install it with apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


# --- people, browser contexts, sign-in, screenshots -------------------------------------------

WAIT_MS = 20_000  # Playwright's bound on every wait and expectation
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # git-ignored
LOCALES = {"tr": "tr-TR", "en": "en-US"}


@dataclass(frozen=True)
class Person:
    key: str
    pk: int
    email: str
    password: str
    name: str


# Run by `destek shell` in the server's environment: customers of both languages and a second
# agent next to the demo data's agent (verified addresses: allauth requires them). Idempotent.
PEOPLE_SCRIPT = """
import json
from allauth.account.models import EmailAddress
from destek.accounts.models import User
wanted = json.loads({spec!r})
ids = {{}}
for key, p in wanted.items():
    user = User.objects.filter(email=p["email"]).first()
    if user is None:
        user = User.objects.create_user(p["email"], p["password"], full_name=p["name"],
                                        role=p["role"], language=p["language"])
    EmailAddress.objects.get_or_create(user=user, email=user.email,
                                       defaults={{"verified": True, "primary": True}})
    ids[key] = user.pk
print("PEOPLE=" + json.dumps(ids))
"""


@pytest.fixture(scope="session")
def people(destek_server: RunningDestek) -> dict[str, Person]:
    agent_email, agent_password = destek_server.logins["agent"]
    admin_email, admin_password = destek_server.logins["admin"]
    spec: dict[str, dict[str, str]] = {
        "admin": {"email": admin_email, "password": admin_password, "name": "Ayşe Yönetici",
                  "role": "admin", "language": "en"},
        "agent": {"email": agent_email, "password": agent_password, "name": "Mehmet Destek",
                  "role": "agent", "language": "en"},
        "agent2": {"email": "zeynep.kaya@e2e.destek.test", "password": secrets.token_urlsafe(12),
                   "name": "Zeynep Kaya", "role": "agent", "language": "en"},
        "customer_tr": {"email": "elif.yilmaz@e2e.destek.test",
                        "password": secrets.token_urlsafe(12), "name": "Elif Yılmaz",
                        "role": "customer", "language": "tr"},
        "customer_en": {"email": "john.smith@e2e.destek.test",
                        "password": secrets.token_urlsafe(12), "name": "John Smith",
                        "role": "customer", "language": "en"},
    }
    out = destek_server.destek("shell", "-v", "0", "-c",
                               PEOPLE_SCRIPT.format(spec=json.dumps(spec)))
    line = next(x for x in out.splitlines() if x.startswith("PEOPLE="))
    ids = json.loads(line.removeprefix("PEOPLE="))
    return {key: Person(key=key, pk=ids[key], email=p["email"], password=p["password"],
                        name=p["name"]) for key, p in spec.items()}


@pytest.fixture
def new_context(browser: Any, destek_server: RunningDestek) -> Iterator[Callable[[str], Any]]:
    """Browser contexts (one per person) speaking `lang`, closed after the test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    opened: list[Any] = []
    # Every page runs under Destek's Content-Security-Policy: anything it blocked (an inline
    # script or style, a foreign host) is a bug the user would see as a broken page.
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def make(lang: str) -> Any:
        context = browser.new_context(locale=LOCALES[lang],
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(WAIT_MS)
        context.on("console", on_console)
        context.add_init_script(CSP_LISTENER)
        context.expose_function("__destekCspViolation", lambda text: violations.append(text))
        # The language switch's cookie: every page (the desk too) speaks `lang`.
        context.add_cookies([{"name": "django_language", "value": lang,
                              "url": destek_server.url}])
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


# Reports each securitypolicyviolation event of a page (also those the console does not show).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__destekCspViolation(location.href + ": " + e.violatedDirective + " blocked " +
                              (e.blockedURI || "inline") + " (" + e.sourceFile + ":" +
                              e.lineNumber + ")");
});
"""


class Shots:
    """Numbered full-page screenshots of the main steps, in test-artifacts/<name>/."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.count = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def __call__(self, page: Any, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


def sign_in(page: Any, server: RunningDestek, person: Person, *, title: str | None = None,
            shots: Shots | None = None) -> None:
    """Through allauth's login page, as a person would."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/accounts/login/")
    if title is not None:
        expect(page.get_by_test_id("auth-title")).to_have_text(title)
    page.locator("input[name=login]").fill(person.email)
    page.locator("input[name=password]").fill(person.password)
    if shots:
        shots(page, "login")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


MAIL_WAIT_S = 60.0  # the worker polls the filesystem broker; a cold start takes a few seconds


def wait_for_mail(server: RunningDestek, match: Callable[[EmailMessage], bool],
                  what: str) -> EmailMessage:
    """The first email the server's worker delivered that `match`es (bounded polling)."""
    deadline = time.monotonic() + MAIL_WAIT_S
    while True:
        for raw in server.sent_mail():
            message = email.message_from_bytes(raw, policy=default_policy)
            assert isinstance(message, EmailMessage)
            if match(message):
                return message
        if time.monotonic() > deadline:
            subjects = [email.message_from_bytes(r, policy=default_policy)["Subject"]
                        for r in server.sent_mail()]
            raise AssertionError(f"no email {what} within {MAIL_WAIT_S}s; sent: {subjects}\n"
                                 + server.log.read_text()[-3000:])
        time.sleep(0.25)


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]
