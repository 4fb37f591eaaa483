"""WebSocket test helpers: a fresh channel layer per test, communicators authenticated by a
real session cookie, and sync tests that run one async scenario each."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.layers import channel_layers
from channels.routing import URLRouter
from django.conf import settings as django_settings
from django.test import Client

from destek.accounts.models import User
from destek.realtime.routing import websocket_urlpatterns
from destek.realtime.tests.communicator import WebsocketCommunicator

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture(autouse=True)
def _fresh_channel_layer(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Each test gets its own layer (and, on Redis, its own key prefix), so no test hears
    another's groups and no layer outlives the event loop it was used on."""
    layers = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    if "redis" in layers["default"]["BACKEND"].lower():
        layers["default"].setdefault("CONFIG", {})["prefix"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    yield
    if "prefix" in layers["default"].get("CONFIG", {}):
        async_to_sync(channel_layers["default"].flush)()  # leave nothing behind in Redis
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def session_headers(user: User | None) -> list[tuple[bytes, bytes]]:
    """Browser-like headers: the Origin the ASGI origin check wants, and a session cookie."""
    headers = [ORIGIN, (b"host", b"127.0.0.1")]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return headers


def desk_app():  # type: ignore[no-untyped-def]
    """The WebSocket stack of destek.asgi without its import-time production checks."""
    return AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


def communicator(headers: list[tuple[bytes, bytes]], app=None) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    return WebsocketCommunicator(app or desk_app(), "/ws/desk/", headers=headers)
