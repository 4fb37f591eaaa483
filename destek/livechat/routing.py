"""WebSocket URLs of live chat, mounted by destek.asgi.

The visitor's socket comes from other websites, so its Origin is checked against the chat
settings' websites (Settings → Live chat; DESTEK_CHAT_ALLOWED_ORIGINS until saved) plus
Destek's own hosts instead of ALLOWED_HOSTS alone; the
agent's console socket stays behind the desk's same-host check.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from destek.livechat.chat_settings import acurrent
from destek.livechat.consumers.agent import AgentConsumer
from destek.livechat.consumers.visitor import VisitorConsumer

VISITOR_PATH = "/ws/chat/visitor/"
_origins: ContextVar[tuple[str, ...]] = ContextVar("destek_chat_origins", default=())


class ChatOriginValidator(OriginValidator):
    """Channels' OriginValidator with its list read on every handshake: the chat settings'
    websites (a cache read; the environment's until they are saved) and ALLOWED_HOSTS."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, [])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        config = await acurrent()  # the database only on a cache miss, off the event loop
        _origins.set(config.allowed_origins)  # this handshake's task only
        return await super().__call__(scope, receive, send)

    def validate_origin(self, parsed_origin: Any) -> bool:
        allowed = [*_origins.get(), *settings.ALLOWED_HOSTS]
        return any(pattern == "*" or self.match_allowed_origin(parsed_origin, pattern)
                   for pattern in allowed)


def visitor_application() -> Any:
    # No session middleware: the signed token is the visitor's only key (a portal customer
    # was recognised when the chat started), and a thousand connects skip a session lookup.
    return ChatOriginValidator(VisitorConsumer.as_asgi())


class VisitorOrElse:
    """Sends the visitor's path to the chat stack and every other socket to `default`."""

    def __init__(self, visitor: Any, default: Any) -> None:
        self.visitor, self.default = visitor, default

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        app = self.visitor if scope.get("path") == VISITOR_PATH else self.default
        return await app(scope, receive, send)


agent_urlpatterns = [
    path("ws/chat/agent/", AgentConsumer.as_asgi()),
]
