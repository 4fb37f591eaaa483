"""`destek mail-pipe`'s fast path: the message handed to the running service over signed HTTP
(destek.mail.doors.pipe_client -> destek.mail.doors.pipe.pipe_hand_off), and the direct path
whenever the service gives no final, signed answer. Nothing is lost (a "stored" that does not
come from the service is not believed) and nothing is duplicated (a repeat is recognised)."""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from destek.mail.doors import pipe_client
from destek.mail.doors.pipe import EX_CONFIG, EX_OK, EX_TEMPFAIL
from destek.mail.models import InboundEmail, InboundSource, InboundState
from destek.mail.tests.doors_helpers import closed_port, make_mailbox, message_bytes
from destek.mail.tests.test_doors_pipe import TIMEOUT, rows
from destek.mail.tests.test_doors_pipe import database as database

SECRET = "test-pipe-secret"
PIPE_PATH = "/mail/inbound/pipe/"


def _signed_post(client: Client, raw: bytes, *, mailbox: str = "", secret: str = SECRET,
                 signed_raw: bytes | None = None) -> Any:
    signature = pipe_client.request_signature(
        secret=secret, mailbox=mailbox, raw=raw if signed_raw is None else signed_raw)
    return client.post(f"{PIPE_PATH}?mailbox={quote(mailbox)}", data=raw,
                       content_type=pipe_client.CONTENT_TYPE,
                       headers={pipe_client.SIGNATURE_HEADER: signature})


def _answer_is_signed(response: Any, raw: bytes, mailbox: str = "") -> bool:
    request_signature = pipe_client.request_signature(secret=SECRET, mailbox=mailbox, raw=raw)
    exit_code = int(response[pipe_client.EXIT_HEADER])
    return bool(response[pipe_client.SIGNATURE_HEADER] == pipe_client.answer_signature(
        secret=SECRET, request_signature=request_signature, exit_code=exit_code))


@pytest.fixture
def no_wakeup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("destek.mail.store._stored", lambda _pk: None)


# --- the service's side: /mail/inbound/pipe/ ------------------------------------------------

@pytest.mark.django_db
def test_the_hand_off_is_off_without_a_secret(settings):
    settings.DESTEK_MAIL_PIPE_SECRET = ""
    assert _signed_post(Client(), message_bytes()).status_code == 404
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_bad_signature_stores_nothing_and_gets_no_signed_answer(settings, no_wakeup):
    settings.DESTEK_MAIL_PIPE_SECRET = SECRET
    raw = message_bytes()
    for response in (_signed_post(Client(), raw, secret="another secret"),
                     _signed_post(Client(), raw, signed_raw=raw + b"tampered")):
        assert response.status_code == 403
        assert pipe_client.EXIT_HEADER not in response
    odd = Client().post(PIPE_PATH, data=raw, content_type=pipe_client.CONTENT_TYPE,
                        headers={pipe_client.SIGNATURE_HEADER: "çok gizli"})
    assert odd.status_code == 403
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_signed_message_is_stored_as_the_pipe_and_the_answer_is_signed(
        settings, department, no_wakeup):
    settings.DESTEK_MAIL_PIPE_SECRET = SECRET
    mailbox = make_mailbox(department=department)
    raw = message_bytes()
    response = _signed_post(Client(), raw, mailbox="support+9@example.com")
    assert response.status_code == 200
    assert response[pipe_client.EXIT_HEADER] == str(EX_OK)
    assert _answer_is_signed(response, raw, "support+9@example.com")
    row = InboundEmail.objects.get()
    assert (row.source, row.mailbox, bytes(row.raw)) == (InboundSource.PIPE, mailbox, raw)
    assert row.envelope_to == ["support+9@example.com"]

    again = _signed_post(Client(), raw, mailbox="support+9@example.com")  # the MTA's retry
    assert again[pipe_client.EXIT_HEADER] == str(EX_OK)
    # Filed once; the retry leaves only its trace, linked to the first copy (store_raw).
    assert InboundEmail.objects.exclude(state=InboundState.DUPLICATE).get() == row
    assert InboundEmail.objects.get(state=InboundState.DUPLICATE).duplicate_of == row


@pytest.mark.django_db
def test_the_service_answers_like_the_command(settings, monkeypatch):
    settings.DESTEK_MAIL_PIPE_SECRET = SECRET
    raw = message_bytes()
    unknown = _signed_post(Client(), raw, mailbox="nobody@example.com")
    assert (unknown.status_code, unknown[pipe_client.EXIT_HEADER]) == (404, str(EX_CONFIG))
    assert _answer_is_signed(unknown, raw, "nobody@example.com")
    empty = _signed_post(Client(), b"\r\n")
    assert empty[pipe_client.EXIT_HEADER] == "65"

    def broken(**_kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("destek.mail.doors.pipe.store_raw", broken)
    failed = _signed_post(Client(), raw)
    assert (failed.status_code, failed[pipe_client.EXIT_HEADER]) == (503, str(EX_TEMPFAIL))
    assert _answer_is_signed(failed, raw)
    assert EX_TEMPFAIL not in pipe_client.FINAL_EXITS  # the client then stores directly


@pytest.mark.django_db
def test_a_message_above_the_limit_is_left_to_the_direct_path(settings):
    settings.DESTEK_MAIL_PIPE_SECRET = SECRET
    settings.DESTEK_MAIL_MAX_BYTES = 1000
    response = _signed_post(Client(), message_bytes(size=5000))
    assert response.status_code == 413
    assert pipe_client.EXIT_HEADER not in response  # unsigned: the command answers 69 itself
    assert not InboundEmail.objects.exists()


# --- the client: which answers it believes ---------------------------------------------------

class _FakeService(BaseHTTPRequestHandler):
    answer: tuple[int, str, str] = (200, "0", "")  # status, exit header, signature header

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        status, exit_code, signature = self.answer
        self.send_response(status)
        self.send_header(pipe_client.EXIT_HEADER, exit_code)
        if signature:
            self.send_header(pipe_client.SIGNATURE_HEADER, signature)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"stored\n")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def fake_service() -> Iterator[tuple[str, type[_FakeService]]]:
    handler = type("Handler", (_FakeService,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PIPE_PATH}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_client_believes_only_a_signed_final_answer(fake_service):
    url, handler = fake_service
    raw = message_bytes()
    request_signature = pipe_client.request_signature(secret=SECRET, mailbox="", raw=raw)

    def signed(code: int) -> str:
        return pipe_client.answer_signature(secret=SECRET, request_signature=request_signature,
                                            exit_code=code)

    handler.answer = (200, "0", "")  # anything that says "stored" without the secret
    assert pipe_client.hand_off(raw=raw, mailbox="", url=url, secret=SECRET) is None
    handler.answer = (200, "0", signed(65))  # signed for another answer
    assert pipe_client.hand_off(raw=raw, mailbox="", url=url, secret=SECRET) is None
    handler.answer = (503, "75", signed(75))  # the service could not store: try directly
    assert pipe_client.hand_off(raw=raw, mailbox="", url=url, secret=SECRET) is None
    handler.answer = (200, "0", "é" * 64)  # not even ASCII
    assert pipe_client.hand_off(raw=raw, mailbox="", url=url, secret=SECRET) is None
    handler.answer = (200, "0", signed(0))
    assert pipe_client.hand_off(raw=raw, mailbox="", url=url, secret=SECRET) == (0, "stored")


def test_the_client_gives_up_on_a_service_that_does_not_answer():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}{PIPE_PATH}"
        assert pipe_client.hand_off(raw=message_bytes(), mailbox="", url=url, secret=SECRET,
                                    timeout=0.5) is None
    url = f"http://127.0.0.1:{closed_port()}{PIPE_PATH}"
    assert pipe_client.hand_off(raw=message_bytes(), mailbox="", url=url, secret=SECRET) is None


def test_without_a_url_the_client_reads_nothing(monkeypatch):
    monkeypatch.delenv(pipe_client.URL_VARIABLE, raising=False)
    stdin = io.BytesIO(message_bytes())
    assert pipe_client.run([], stdin=stdin) == (None, None)
    assert stdin.tell() == 0


# --- the real command, as the MTA runs it ----------------------------------------------------

HEAVY = ("django", "celery", "kombu", "psycopg")
REPORT_IMPORTS = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stdout.write(' '.join(sorted({m.split('.')[0] for m in "
    f"sys.modules if m.split('.')[0] in {HEAVY!r}}})) or '-'))\n"
    "from destek.cli import main\n"
    "main(sys.argv[1:])\n"
)


def _pipe(raw: bytes, args: tuple[str, ...],
          env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603  (fixed argv, no shell)
        [sys.executable, "-c", REPORT_IMPORTS, "mail-pipe", *args], input=raw, env=env,
        capture_output=True, timeout=TIMEOUT)


def _command_env(tmp_path: Path, database_url: str, url: str,
                 secret: str = SECRET) -> dict[str, str]:
    env = {**os.environ, "DESTEK_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
           "DATABASE_POOL": "0", "CELERY_BROKER_URL": "filesystem://",
           pipe_client.URL_VARIABLE: url, pipe_client.SECRET_VARIABLE: secret}
    env.pop("REDIS_URL", None)
    return env


@pytest.mark.django_db(transaction=True)
def test_the_command_hands_off_without_django_and_says_nothing(
        live_server, settings, department, no_wakeup, tmp_path):
    settings.DESTEK_MAIL_PIPE_SECRET = SECRET
    mailbox = make_mailbox(department=department)
    raw = message_bytes()
    # No database for the command: only the service can have stored it.
    unreachable = f"postgres://destek@127.0.0.1:{closed_port()}/destek"
    env = _command_env(tmp_path, unreachable, live_server.url + PIPE_PATH)
    result = _pipe(raw, ("--mailbox", "support@example.com"), env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == b"-"  # neither Django nor Celery nor psycopg was imported
    row = InboundEmail.objects.get()
    assert (row.source, row.mailbox, bytes(row.raw)) == (InboundSource.PIPE, mailbox, raw)

    unknown = _pipe(raw, ("--mailbox", "nobody@example.com"), env)
    assert unknown.returncode == EX_CONFIG
    assert unknown.stderr == b"destek mail-pipe: no active mailbox nobody@example.com\n"


def test_with_the_service_down_the_command_stores_directly(database, tmp_path):
    path, url = database
    raw = message_bytes()
    env = _command_env(tmp_path, url, f"http://127.0.0.1:{closed_port()}{PIPE_PATH}")
    result = _pipe(raw, (), env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert rows(path)[-1] == (raw, "pipe", "[]")


@pytest.mark.django_db(transaction=True)
def test_a_refused_hand_off_is_stored_directly_and_once(
        live_server, settings, no_wakeup, database, tmp_path):
    settings.DESTEK_MAIL_PIPE_SECRET = secrets.token_hex(8)  # not the command's
    path, url = database
    raw = message_bytes()
    env = _command_env(tmp_path, url, live_server.url + PIPE_PATH)
    for _attempt in range(2):  # the second is a retry: recognised, not stored twice
        result = _pipe(raw, (), env)
        assert (result.returncode, result.stderr) == (0, b"")
    assert [row for row in rows(path) if row[0] == raw] == [(raw, "pipe", "[]")]
    assert not InboundEmail.objects.exists()  # the service stored nothing


def test_with_the_service_and_the_database_down_the_mta_retries(tmp_path):
    unreachable = f"postgres://destek@127.0.0.1:{closed_port()}/destek"
    env = _command_env(tmp_path, unreachable, f"http://127.0.0.1:{closed_port()}{PIPE_PATH}")
    result = _pipe(message_bytes(), (), env)
    assert result.returncode == EX_TEMPFAIL
    assert result.stderr.decode().startswith("destek mail-pipe: cannot store the message")
