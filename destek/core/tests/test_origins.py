"""Issue 12, hole 5: the desk's and the chat console's sockets check the whole Origin."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter

from destek.core.origins import SiteOriginValidator, host_allowed, normalize_origin
from destek.livechat.routing import agent_urlpatterns
from destek.realtime.routing import websocket_urlpatterns
from destek.realtime.tests.communicator import WebsocketCommunicator
from destek.realtime.tests.conftest import session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def stack():  # type: ignore[no-untyped-def]
    """The staff sockets of destek.asgi, without its import-time production checks."""
    return SiteOriginValidator(
        AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *agent_urlpatterns])))


def handshake(headers: list[tuple[bytes, bytes]], path: str, *, scheme: str = "ws") -> bool:
    async def run() -> bool:
        socket = WebsocketCommunicator(stack(), path, headers=headers)
        socket.scope["scheme"] = scheme
        accepted, _ = await socket.connect()
        if accepted:
            await socket.disconnect()
        return accepted

    return async_to_sync(run)()


def browser(agent, *, origin: str, host: str = "127.0.0.1:8000") -> list[tuple[bytes, bytes]]:  # type: ignore[no-untyped-def]
    headers = [h for h in session_headers(agent) if h[0] not in (b"origin", b"host")]
    return [(b"origin", origin.encode()), (b"host", host.encode()), *headers]


@pytest.fixture(autouse=True)
def _site(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "support.example.com"]
    settings.BASE_URL = "https://support.example.com"
    settings.CSRF_TRUSTED_ORIGINS = []


@pytest.mark.parametrize("path", ["/ws/desk/", "/ws/chat/agent/"])
def test_the_sites_own_origin_connects(agent, path):
    assert handshake(browser(agent, origin="http://127.0.0.1:8000"), path)
    # Behind a TLS proxy: the socket arrives as ws, the page is DESTEK_BASE_URL (https).
    assert handshake(browser(agent, origin="https://support.example.com",
                             host="support.example.com"), path)
    assert handshake(browser(agent, origin="https://support.example.com:443",
                             host="support.example.com"), path, scheme="wss")


@pytest.mark.parametrize("path", ["/ws/desk/", "/ws/chat/agent/"])
@pytest.mark.parametrize("origin", [
    "http://127.0.0.1:8001",  # another port on the same host: another origin
    "https://127.0.0.1:8000",  # another scheme
    "http://127.0.0.1",  # the default port is another port
    "http://support.example.com",  # the site's host name, but plain http
    "https://support.example.com:8443",
    "http://evil.example:8000",
    "null",
])
def test_another_origin_on_an_allowed_host_is_refused(agent, path, origin):
    assert not handshake(browser(agent, origin=origin), path)


def test_a_handshake_without_origin_is_refused(agent):
    headers = [h for h in browser(agent, origin="x") if h[0] != b"origin"]
    assert not handshake(headers, "/ws/desk/")


def test_the_host_must_be_allowed_for_its_own_origin(agent, settings):
    settings.ALLOWED_HOSTS = ["support.example.com"]
    assert not handshake(browser(agent, origin="http://127.0.0.1:8000"), "/ws/desk/")


def test_origin_helpers():
    assert normalize_origin("HTTPS://Support.Example.com/") == ("https", "support.example.com", 443)
    assert normalize_origin("ftp://x") is None and normalize_origin("http://[x") is None
    assert host_allowed("a.example.com", [".example.com"])
    assert host_allowed("example.com", [".example.com"])
    assert not host_allowed("badexample.com", [".example.com"])
    assert host_allowed("::1", ["[::1]"]) and host_allowed("x", ["*"])
