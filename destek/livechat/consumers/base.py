"""The shared shape of the chat sockets: decode strictly, rate-limit, dispatch, forward by seq.

Async consumers: most frames (typing, ping, read, junk) need no database, and a thousand idle
visitors should cost a coroutine each, not a thread hop per frame. Everything that touches the
database runs in database_sync_to_async and calls a service or a selector.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils.translation import gettext as _

from destek.core.errors import ApplicationError
from destek.core.text import all_text_storable
from destek.livechat import events
from destek.livechat.consumers.frames import (
    CLOSE_BAD_FRAME,
    CLOSE_RATE_LIMITED,
    BadFrame,
    TokenBucket,
    decode_frame,
)

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
# channels-redis forgets a group member after a day (group_expiry): a socket open that long
# would stop hearing anything. Heartbeats re-join its groups once an hour.
REJOIN_SECONDS = 3600
ENCODER = DjangoJSONEncoder(ensure_ascii=False)  # stateless: one for every frame


class ChatSocket(AsyncWebsocketConsumer):
    bucket: TokenBucket
    closed: bool = False
    joined_at: float = 0.0  # when the socket's groups were last (re-)joined

    def current_groups(self) -> list[str]:
        return []

    async def rejoin_if_due(self) -> None:
        now = time.monotonic()
        if now - self.joined_at < REJOIN_SECONDS:
            return
        self.joined_at = now
        for group in self.current_groups():
            await self.channel_layer.group_add(group, self.channel_name)

    def handlers(self) -> dict[str, Handler]:
        raise NotImplementedError

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its `close_old_connections` before every handler: that
        is a hop to the one shared sync thread for each frame, each notification and each
        heartbeat of every socket, and these consumers never hold a connection on the event
        loop (every database call goes through `db()`, which hands its connection back)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_json(self, content: dict[str, Any]) -> None:
        if not self.closed:
            await self.send(text_data=ENCODER.encode(content))

    async def close_with(self, code: int) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code=code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closed:
            return
        if not self.bucket.take():
            await self.close_with(CLOSE_RATE_LIMITED)
            return
        try:
            content = decode_frame(text_data, bytes_data)
            if not all_text_storable(content):
                # An error frame, not a close: a widget would re-send the same text forever.
                raise ApplicationError(
                    _("The text contains characters that cannot be stored."), field="body")
            handler = self.handlers().get(content["type"])
            if handler is None:
                raise BadFrame("unknown type")
            await handler(content)
        except BadFrame:
            await self.close_with(CLOSE_BAD_FRAME)
        except ApplicationError as error:
            client_id = content.get("client_id")
            if not all_text_storable(client_id):
                client_id = None  # never echo what a UTF-8 frame cannot carry
            await self.send_json({"type": "error", "client_id": client_id,
                                  "code": error.field or "invalid", "message": error.message})

    async def pong(self, content: dict[str, Any]) -> None:
        await self.rejoin_if_due()
        await self.send_json({"type": "pong"})

    async def call(self, service: Callable[..., Any], /, **kwargs: Any) -> Any:
        """A service on the thread pool (one hop for all its database work); what it
        publishes after its commit is sent from here, on the event loop."""
        result, collected = await db(events.collecting(service))(**kwargs)
        await events.send_collected(self.channel_layer, collected)
        return result


def db(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Database work on the thread pool rather than Channels' one shared thread: with a
    thousand sockets, writes must not queue behind each other. Each call hands its
    connection back afterwards (to the psycopg pool on PostgreSQL), so pool threads never
    sit on connections."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        finally:
            connection.close()

    return database_sync_to_async(run, thread_sensitive=False)
