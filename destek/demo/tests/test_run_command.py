"""The quick start: `destek run` on an empty data directory serves Destek with demo logins."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CELERY_BROKER_URL")}
    env.update(DESTEK_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="destek.settings",
               **extra)
    return env


def test_production_refuses_to_start_without_secret(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "destek.cli", "run", "--no-worker", "--no-demo"],
        env=_env(tmp_path, DEBUG="0"), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_does_not_serve_when_migrations_fail(tmp_path):
    # Migrations run in a child process (so that what they load is not in the web
    # processes' memory): its failure must still stop `destek run`.
    result = subprocess.run(
        [sys.executable, "-m", "destek.cli", "run", "--no-worker", "--no-demo"],
        env=_env(tmp_path, DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:1/none"),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "setting up failed" in result.stderr
    assert "Destek is running" not in result.stdout


def test_quick_start_serves_with_demo_logins_and_worker(tmp_path):
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "destek.cli", "run", "--port", str(port)],
            env=_env(tmp_path, DEBUG="1"), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                time.sleep(0.5)
        assert health is not None and health.json() == {"status": "ok"}, log.read_text()
        output = log.read_text()
        assert f"http://127.0.0.1:{port}/" in output
        for role in ("admin", "agent", "customer"):
            assert f"{role}@demo.destek.local" in output
        assert (tmp_path / "data" / "destek.sqlite3").exists()
        login_page = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
        assert login_page.status_code == 200
        # The embedded worker runs beside the server (Celery on the filesystem transport) and
        # delivers the demo ticket's emails from the outbox into the sent-mail folder.
        sent = tmp_path / "data" / "sent-mail"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(sent.glob("*.eml")):
            time.sleep(0.5)
        assert list(sent.glob("*.eml")), log.read_text()
        assert "Traceback" not in log.read_text()
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)


@pytest.mark.django_db
def test_demo_data_is_created_once(settings, tmp_path):
    from destek.accounts.models import User
    from destek.demo.data import create_demo_data, load_demo_logins

    settings.DATA_DIR = tmp_path
    logins = create_demo_data()
    assert [x.role for x in logins] == ["admin", "agent", "customer"]
    assert create_demo_data() == logins == load_demo_logins()
    assert User.objects.count() == 3
    admin = User.objects.get(email=logins[0].email)
    assert admin.check_password(logins[0].password) and admin.is_superuser
