"""A real HTTP server on 127.0.0.1 for the tests: records every request it receives (raw
body and headers) and answers as the test says (status, a delay before answering)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from destek.webhooks import signing


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        return self.headers.get(signing.EVENT_ID_HEADER.lower(), "")

    def signed_by(self, secret: str) -> bool:
        return signing.verify(secret, self.headers.get(signing.SIGNATURE_HEADER.lower(), ""),
                              self.body)


# (the request, its number from 1) → (status, seconds to wait before answering)
Behaviour = Callable[[Received, int], tuple[int, float]]


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.behaviour: Behaviour = lambda _request, _n: (200, 0.0)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/destek"

    def count(self) -> Counter[str]:
        """Requests per event id, duplicates included (what a receiver dedupes)."""
        with self.lock:
            return Counter(r.event_id for r in self.received)

    def first_of_each(self) -> dict[str, Received]:
        """What a receiver that dedupes on Destek-Event-Id processes: the first of each."""
        seen: dict[str, Received] = {}
        with self.lock:
            for request in self.received:
                seen.setdefault(request.event_id, request)
        return seen


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(path=self.path,
                               headers={k.lower(): v for k, v in self.headers.items()},
                               body=self.rfile.read(length))
            with receiver.lock:  # recorded on arrival: the event reached the receiver
                receiver.received.append(request)
                number = len(receiver.received)
            status, delay = receiver.behaviour(request, number)
            if delay:
                time.sleep(delay)
            try:
                body = b"ok" if status < 300 else b"nope " * 100_000
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the sender died while we waited
                pass

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
