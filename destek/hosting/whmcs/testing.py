"""A fake WHMCS for tests and the benchmark: a real HTTP server on 127.0.0.1 answering
`/includes/api.php` from recorded replies, paged by `limitstart`/`limitnum` as WHMCS does, with
faults on demand (HTTP 500, a slow answer, `result: error`) for a given action and offset."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from destek.hosting.whmcs.client import LIST_KEYS

RECORDED = Path(__file__).parent / "tests" / "recorded"
PAGED = ("GetClients", "GetClientsProducts", "GetClientsDomains")


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.json").read_text())


class FakeWhmcs:
    """`replies` maps each action to its full recorded reply; `details` maps client ids to
    GetClientsDetails replies. Faults: `fail(action, start=…, with_=[500, "timeout",
    "error:Some message"])` answers the next calls at that offset with these, in order."""

    def __init__(self, *, replies: dict[str, dict[str, Any]] | None = None,
                 details: dict[str, dict[str, Any]] | None = None,
                 identifier: str = "api-identifier", secret: str = "api-secret",  # noqa: S107 (a test server's)
                 slow_seconds: float = 2.0) -> None:
        if replies is None:
            replies = {action: recorded(action) for action in (*PAGED, "GetProducts",
                                                               "GetCurrencies")}
        self.replies = replies
        self.details = details if details is not None else recorded("GetClientsDetails")
        self.identifier, self.secret = identifier, secret
        self.slow_seconds = slow_seconds
        self.faults: dict[tuple[str, int], list[Any]] = defaultdict(list)
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- what the test changes ---------------------------------------------------------
    def rows(self, action: str) -> list[dict[str, Any]]:
        outer, inner = LIST_KEYS[action]
        rows: list[dict[str, Any]] = self.replies[action][outer][inner]
        return rows

    def fail(self, action: str, *, start: int = 0, with_: list[Any]) -> None:
        self.faults[(action, start)].extend(with_)

    def calls(self, action: str) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("action") == action]

    # --- serving -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeWhmcs:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body, content_type = fake.answer(self.path, form)
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, str, str]:
        if path != "/includes/api.php":
            return 404, "<html>Not Found</html>", "text/html"
        action = form.get("action", "")
        with self._lock:
            self.requests.append({k: v for k, v in form.items() if k != "secret"})
            start = int(form.get("limitstart") or 0)
            queue = self.faults.get((action, start))
            fault = queue.pop(0) if queue else None
        if form.get("identifier") != self.identifier or form.get("secret") != self.secret:
            return 403, json.dumps(recorded("error-authentication")), "application/json"
        if fault == "timeout":
            time.sleep(self.slow_seconds)
        elif isinstance(fault, int):
            return fault, "<html><body>Internal Server Error</body></html>", "text/html"
        elif isinstance(fault, str) and fault.startswith("error:"):
            return 200, json.dumps({"result": "error", "message": fault[6:]}), "application/json"
        return 200, json.dumps(self.reply(action, form)), "application/json"

    def reply(self, action: str, form: dict[str, str]) -> dict[str, Any]:
        if action == "GetClientsDetails":
            found = self.details.get(str(form.get("clientid")))
            return found or {"result": "error", "message": "Client Not Found"}
        if action not in self.replies:
            return {"result": "error", "message": "Command Not Found"}
        if action not in PAGED:
            return self.replies[action]
        whole = self.replies[action]
        outer, inner = LIST_KEYS[action]
        rows = whole[outer][inner]
        start = int(form.get("limitstart") or 0)
        size = int(form.get("limitnum") or 25)
        chunk = rows[start:start + size]
        reply = {k: v for k, v in whole.items() if k != outer}
        total: Any = len(rows)
        reply["totalresults"] = str(total) if isinstance(whole["totalresults"], str) else total
        reply.update(startnumber=start, numreturned=len(chunk), **{outer: {inner: chunk}})
        return reply
