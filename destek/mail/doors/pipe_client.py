"""The pipe door's fast path: `destek mail-pipe` hands the message to the running service.

Starting Django (every app, the ORM, psycopg) and a Celery client costs an MTA about 0.8 s of
CPU per message (bench/README.md, "The pipe door"). When DESTEK_MAIL_PIPE_URL is set, the
command instead POSTs the message to that URL of the web service (`pipe_hand_off` in
destek.mail.doors.pipe), which stores it with the same rules as the direct path
(`receive_from_pipe`, `store_raw`) and wakes a worker from its warm process. This module is
that client: the standard library only, no Django, no Celery, nothing of destek imported.

Nothing is lost or duplicated on the way:

* the request is signed with DESTEK_MAIL_PIPE_SECRET (HMAC-SHA256 over the mailbox and the
  bytes); the service refuses anything else, and signs its answer over our signature and the
  exit code, so only the service that stored the message can say "stored";
* an answer with a valid signature is final for 0 (stored), 65, 69 and 78; anything else
  (the service down or unreachable, a timeout, a proxy's error page, a wrong secret, or the
  service's own EX_TEMPFAIL) falls back to storing directly, as without a URL. The
  direct path reaches the same database: a message the service did store before its answer
  was lost is recognised there as already stored (deduplication in `store_raw`), and only
  the direct path's own failure makes the MTA retry (75).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import sys
from urllib.parse import quote, urlsplit

# Only the type checker reads these (mypy takes any `TYPE_CHECKING` as true): `typing` alone
# would add a fifth to this path's CPU (bench/README.md).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

URL_VARIABLE = "DESTEK_MAIL_PIPE_URL"
SECRET_VARIABLE = "DESTEK_MAIL_PIPE_SECRET"  # noqa: S105  (a variable name)
MAX_BYTES_VARIABLE = "DESTEK_MAIL_MAX_BYTES"
DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # settings.DESTEK_MAIL_MAX_BYTES's default
EXIT_HEADER = "X-Destek-Pipe-Exit"
SIGNATURE_HEADER = "X-Destek-Pipe-Signature"
CONTENT_TYPE = "message/rfc822"
TIMEOUT_SECONDS = 60.0  # per socket operation; then the direct path
FINAL_EXITS = frozenset({0, 65, 69, 78})  # EX_OK, EX_DATAERR, EX_UNAVAILABLE, EX_CONFIG
MAX_ANSWER_BYTES = 65_536


def request_signature(*, secret: str, mailbox: str, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), b"destek-mail-pipe\n", hashlib.sha256)
    mac.update(mailbox.encode())
    mac.update(b"\n")
    mac.update(raw)
    return mac.hexdigest()


def answer_signature(*, secret: str, request_signature: str, exit_code: int) -> str:
    message = f"destek-mail-pipe-answer\n{request_signature}\n{exit_code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hand_off(*, raw: bytes, mailbox: str, url: str, secret: str,
             timeout: float = TIMEOUT_SECONDS) -> tuple[int, str] | None:
    """POST the message to the service: its signed, final (exit code, reason), or None for
    the direct path (no answer, or not one that settles it)."""
    signature = request_signature(secret=secret, mailbox=mailbox, raw=raw)
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    target = f"{parts.path or '/'}?{query}mailbox={quote(mailbox, safe='@')}"
    head = (f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: {CONTENT_TYPE}\r\nContent-Length: {len(raw)}\r\n"
            f"{SIGNATURE_HEADER}: {signature}\r\nUser-Agent: destek-mail-pipe\r\n"
            "Connection: close\r\n\r\n").encode("ascii", "replace")
    try:
        answer = _exchange(parts.scheme, parts.hostname or "", parts.port, head + raw,
                           timeout=timeout)
    except (OSError, ValueError):
        return None  # down, refused, timed out, not HTTP: the direct path decides
    if answer is None:
        return None
    exit_code, answer_signed, reason = answer
    expected = answer_signature(secret=secret, request_signature=signature, exit_code=exit_code)
    if exit_code not in FINAL_EXITS or not hmac.compare_digest(answer_signed.encode(),
                                                               expected.encode()):
        return None
    return exit_code, reason


def _exchange(scheme: str, host: str, port: int | None, request: bytes, *,
              timeout: float) -> tuple[int, str, str] | None:
    """One HTTP/1.1 request on its own connection (`Connection: close`): the answer's
    (exit code, signature, first line of the body), or None when it has none. The standard
    library's http.client would cost this path a third more CPU (email.parser and friends):
    the exchange is this small, with the answer bounded and read to the server's close."""
    if scheme not in ("http", "https") or not host:
        return None
    with socket.create_connection((host, port or (443 if scheme == "https" else 80)),
                                  timeout=timeout) as plain:
        connection = plain
        if scheme == "https":
            import ssl

            connection = ssl.create_default_context().wrap_socket(plain, server_hostname=host)
        connection.sendall(request)
        chunks, size = [], 0
        while size < MAX_ANSWER_BYTES and (chunk := connection.recv(MAX_ANSWER_BYTES)):
            chunks.append(chunk)
            size += len(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1."):
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    exit_header = headers.get(EXIT_HEADER.lower(), "")
    if not exit_header.isdigit():
        return None
    reason = (body.decode("utf-8", "replace").strip().splitlines() or [""])[0]
    return int(exit_header), headers.get(SIGNATURE_HEADER.lower(), ""), reason


def _mailbox_argument(args: list[str]) -> str | None:
    """`--mailbox X`, `--mailbox=X` or nothing: the only arguments the fast path takes; any
    other (a typo, --help) is left to the full command to report. None: not ours."""
    if not args:
        return ""
    if len(args) == 1 and args[0].startswith("--mailbox="):
        return args[0].split("=", 1)[1]
    if len(args) == 2 and args[0] == "--mailbox":
        return args[1]
    return None


def _max_bytes() -> int | None:
    try:
        return int(os.environ.get(MAX_BYTES_VARIABLE) or DEFAULT_MAX_BYTES)
    except ValueError:
        return None  # the full command reports the broken setting (EX_TEMPFAIL)


def run(args: list[str], *, stdin: BinaryIO) -> tuple[int | None, bytes | None]:
    """The fast path of `destek mail-pipe ARGS`: (exit code, None) when the service answered
    for the message, or (None, what was read from stdin, or None when nothing was) for the
    direct path to store."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    secret = os.environ.get(SECRET_VARIABLE, "")
    mailbox = _mailbox_argument(args)
    limit = _max_bytes()
    if not url or not secret or mailbox is None or limit is None:
        return None, None
    try:
        raw = stdin.read(limit + 1)
    except OSError:
        return None, None  # the direct path reads again and reports the error
    if len(raw) > limit:
        return None, raw  # the direct path answers (69) with the configured wording
    answer = hand_off(raw=raw, mailbox=mailbox, url=url, secret=secret)
    if answer is None:
        return None, raw
    exit_code, reason = answer
    if exit_code != 0:
        sys.stderr.write(f"destek mail-pipe: {reason}\n")
        sys.stderr.flush()
    return exit_code, None
