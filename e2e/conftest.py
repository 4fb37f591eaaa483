"""End-to-end fixtures: a real `destek run` (uvicorn, Celery worker, SQLite or PostgreSQL) and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
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

    def sent_mail(self) -> list[bytes]:
        folder = self.data_dir / "sent-mail"
        return [p.read_bytes() for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


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
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), DESTEK_DATA_DIR=str(data_dir),
               DESTEK_BASE_URL=f"http://127.0.0.1:{port}", ALLOWED_HOSTS="127.0.0.1")
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
        yield RunningDestek(url=url, data_dir=data_dir, logins=logins, log=log)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        if created_db and admin_url:
            _drop_database(admin_url, created_db)


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
