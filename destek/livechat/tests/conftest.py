"""Chat test helpers: a fresh channel layer per test, the real WebSocket stack of destek.asgi
(without its import-time production checks), online agents and started chats."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from destek.accounts.models import User
from destek.core.origins import SiteOriginValidator
from destek.livechat.models import ChatAgent, ChatStatus, Conversation
from destek.livechat.routing import VisitorOrElse, agent_urlpatterns, visitor_application
from destek.livechat.tokens import visitor_token

SHOP = "https://shop.example"
TIMEOUT = 3


@pytest.fixture(autouse=True)
def _chat_settings(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.DESTEK_CHAT_ALLOWED_ORIGINS = [SHOP]
    settings.DESTEK_CHAT_TRANSCRIPT_ON_END = True
    layers = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    if "redis" in layers["default"]["BACKEND"].lower():
        layers["default"].setdefault("CONFIG", {})["prefix"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    yield
    if "prefix" in layers["default"].get("CONFIG", {}):
        async_to_sync(channel_layers["default"].flush)()
    channel_layers.backends.clear()


def application():  # type: ignore[no-untyped-def]
    return VisitorOrElse(visitor_application(), SiteOriginValidator(
        AuthMiddlewareStack(URLRouter(agent_urlpatterns))))


def visitor_socket(conversation: Conversation | None = None, *, token: str | None = None,
                   origin: str = SHOP) -> WebsocketCommunicator:
    token = token if token is not None else visitor_token(conversation.public_id)  # type: ignore[union-attr]
    return WebsocketCommunicator(application(), f"/ws/chat/visitor/?token={token}",
                                 headers=[(b"origin", origin.encode()), (b"host", b"127.0.0.1")])


def agent_headers(user: User, *, origin: str = "http://127.0.0.1") -> list[tuple[bytes, bytes]]:
    """A signed-in browser's headers (call from sync code: it logs in through the database)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1"),
               (b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode())]
    return headers


def agent_socket(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application(), "/ws/chat/agent/", headers=headers)


def go_online(agent: User, *, max_chats: int = 3) -> ChatAgent:
    profile, _ = ChatAgent.objects.update_or_create(
        agent=agent, defaults={"status": ChatStatus.ONLINE, "last_seen_at": timezone.now(),
                               "max_chats": max_chats})
    return profile
