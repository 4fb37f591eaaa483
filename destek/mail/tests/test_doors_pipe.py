"""`destek mail-pipe`, run as the MTA runs it: a real process, the message on stdin, the
answer in the exit status (sysexits) and one line on stderr.

The process does not use pytest's test database (a private temporary file on SQLite), so it
gets a migrated SQLite file of its own, read back with the sqlite3 module.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from destek.mail.doors.pipe import EX_CONFIG, EX_OK, EX_TEMPFAIL, receive_from_pipe
from destek.mail.models import InboundEmail, InboundSource
from destek.mail.tests.doors_helpers import closed_port, make_mailbox, message_bytes

TIMEOUT = 60


def _env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DESTEK_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
           "DATABASE_POOL": "0", "CELERY_BROKER_URL": "filesystem://", **extra}
    # The broker is the data directory's folder queue: nothing reaches a shared Redis.
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("pipe-data")
    path = data_dir / "destek.sqlite3"
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "-m", "destek.cli", "migrate", "-v0"],
        env=_env(data_dir, url, SECRET_KEY=secrets.token_urlsafe(64)),
        check=True, timeout=TIMEOUT * 3, capture_output=True,
    )
    return path, url


def pipe(raw: bytes, *, data_dir: Path, database_url: str, args: tuple[str, ...] = (),
         **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603  (fixed argv, no shell)
        [sys.executable, "-m", "destek.cli", "mail-pipe", *args], input=raw,
        env=_env(data_dir, database_url, **extra), capture_output=True, timeout=TIMEOUT,
    )


def rows(path: Path) -> list[tuple[bytes, str, str]]:
    with sqlite3.connect(path) as db:
        return [(bytes(raw), source, envelope_to) for raw, source, envelope_to in db.execute(
            "SELECT raw, source, envelope_to FROM mail_inboundemail ORDER BY id")]


def test_a_message_is_stored_and_the_pipe_exits_0(database, tmp_path):
    path, url = database
    raw = message_bytes(message_id="pipe-1@customer.example", body="Bare\nLF\r\nand CRLF")
    result = pipe(raw, data_dir=tmp_path, database_url=url)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""  # the MTA logs whatever a pipe says (kombu used to warn)
    assert rows(path)[-1] == (raw, "pipe", "[]")

    # The MTA's retry of the same message is acknowledged, not stored twice.
    again = pipe(raw, data_dir=tmp_path, database_url=url)
    assert again.returncode == 0, again.stderr
    assert len([row for row in rows(path) if row[0] == raw]) == 1


def test_database_down_exits_75_so_the_mta_retries(tmp_path):
    url = f"postgres://destek@127.0.0.1:{closed_port()}/destek"
    result = pipe(message_bytes(), data_dir=tmp_path, database_url=url)
    assert result.returncode == 75
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("destek mail-pipe: cannot store the message")


def test_an_empty_message_exits_65(database, tmp_path):
    path, url = database
    before = len(rows(path))
    for raw in (b"", b"\r\n \r\n"):
        result = pipe(raw, data_dir=tmp_path, database_url=url)
        assert result.returncode == 65
        assert result.stderr.decode().strip() == "destek mail-pipe: empty message"
    assert len(rows(path)) == before


def test_an_oversized_message_exits_69_and_is_not_read_further(database, tmp_path):
    path, url = database
    before = len(rows(path))
    result = pipe(message_bytes(size=5000), data_dir=tmp_path, database_url=url,
                  DESTEK_MAIL_MAX_BYTES="1000")
    assert result.returncode == 69
    assert b"larger than 1000 bytes" in result.stderr
    assert len(rows(path)) == before


def test_broken_settings_still_mean_try_again(tmp_path):
    result = pipe(message_bytes(), data_dir=tmp_path, database_url="nosuchscheme://x")
    assert result.returncode == 75


@pytest.mark.django_db(transaction=True)
def test_mailbox_option_picks_the_mailbox_plus_addresses_included(department, monkeypatch):
    monkeypatch.setattr("destek.mail.store._stored", lambda _pk: None)
    mailbox = make_mailbox(department=department)
    raw = message_bytes()
    result = receive_from_pipe(stream=io.BytesIO(raw), mailbox_address="support+77@example.com")
    assert result.exit_code == EX_OK
    row = InboundEmail.objects.get()
    assert (row.mailbox, row.source, bytes(row.raw)) == (mailbox, InboundSource.PIPE, raw)
    assert json.dumps(row.envelope_to) == '["support+77@example.com"]'


@pytest.mark.django_db
def test_unknown_mailbox_option_is_a_configuration_error(department):
    result = receive_from_pipe(stream=io.BytesIO(message_bytes()),
                               mailbox_address="nobody@example.com")
    assert result.exit_code == EX_CONFIG
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_any_storage_error_is_a_temporary_failure(monkeypatch):
    def broken(**_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("destek.mail.doors.pipe.store_raw", broken)
    result = receive_from_pipe(stream=io.BytesIO(message_bytes()))
    assert result.exit_code == EX_TEMPFAIL
    assert "disk full" in result.reason
