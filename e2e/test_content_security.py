"""Issue 12, hole 5 in a real browser: remote images in an email load only when the agent asks,
and the API docs run under the Content-Security-Policy with nothing from another host.
(Every e2e test also fails on any CSP violation: e2e/conftest.py.)"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from e2e.conftest import Person, RunningDestek, sign_in

pytestmark = pytest.mark.browser

# A 1×1 transparent GIF: the classic tracking pixel.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c"
                      "00000000010001000002024401003b")

TICKET_SCRIPT = """
import json
from destek.accounts.models import Department, User
from destek.tickets.intake import InboundMessage, receive
from destek.tickets.models import Channel
spec = json.loads({spec!r})
customer = User.objects.get(email=spec["customer"])
result = receive(InboundMessage(channel=Channel.EMAIL, author=customer,
                                department_id=Department.objects.order_by("pk").first().pk,
                                subject=spec["subject"], body_text="Newsletter",
                                body_html=spec["html"]))
print("TICKET=" + json.dumps([result.ticket.pk, result.message.pk]))
"""


@pytest.fixture(scope="module")
def tracker() -> Iterator[tuple[str, list[str]]]:
    """Another website serving an image and remembering who asked for it."""
    hits: list[str] = []

    class Image(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Image)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost": another host than the server's 127.0.0.1.
    yield f"http://localhost:{server.server_address[1]}", hits
    server.shutdown()


def test_remote_images_load_only_when_the_agent_asks(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any], tracker: tuple[str, list[str]]) -> None:
    from playwright.sync_api import expect

    origin, hits = tracker
    spec = {"customer": people["customer_en"].email, "subject": "Our newsletter",
            "html": f'<p>News</p><img src="{origin}/open.gif?who=agent" width="1" height="1">'}
    out = destek_server.destek("shell", "-v", "0", "-c",
                               TICKET_SCRIPT.format(spec=json.dumps(spec)))
    ticket_id, message_id = json.loads(next(
        line for line in out.splitlines() if line.startswith("TICKET=")).removeprefix("TICKET="))

    page = new_context("en").new_page()
    sign_in(page, destek_server, people["agent"])
    page.goto(f"{destek_server.url}/desk/tickets/{ticket_id}/")
    expect(page.get_by_test_id(f"message-body-{message_id}")).to_contain_text("News")
    page.wait_for_load_state("networkidle")
    assert hits == []  # opening the ticket told the sender nothing

    page.get_by_test_id(f"show-remote-images-{message_id}").click()
    expect(page.get_by_test_id(f"hide-remote-images-{message_id}")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert hits == ["/open.gif?who=agent"]


def test_api_docs_load_nothing_from_another_host(
        destek_server: RunningDestek, people: dict[str, Person],
        new_context: Callable[[str], Any]) -> None:
    from playwright.sync_api import expect

    page = new_context("en").new_page()
    sign_in(page, destek_server, people["agent"])
    foreign: list[str] = []
    own = urlsplit(destek_server.url).netloc
    page.on("request", lambda r: foreign.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != own
            else None)
    page.goto(f"{destek_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Destek API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert foreign == []
