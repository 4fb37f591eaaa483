"""The shared shape of the chat sockets: decode strictly, rate-limit, dispatch, forward by seq.

Async consumers: most frames (typing, ping, read, junk) need no database, and a thousand idle
visitors should cost a coroutine each, not a thread hop per frame. Everything that touches the
database runs in database_sync_to_async and calls a service or a selector.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from destek.core.errors import ApplicationError
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
ENCODER = DjangoJSONEncoder(ensure_ascii=False)  # stateless: one for every frame


class ChatSocket(AsyncWebsocketConsumer):
    bucket: TokenBucket
    closed: bool = False

    def handlers(self) -> dict[str, Handler]:
        raise NotImplementedError

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
            handler = self.handlers().get(content["type"])
            if handler is None:
                raise BadFrame("unknown type")
            await handler(content)
        except BadFrame:
            await self.close_with(CLOSE_BAD_FRAME)
        except ApplicationError as error:
            await self.send_json({"type": "error", "client_id": content.get("client_id"),
                                  "code": error.field or "invalid", "message": error.message})

    async def pong(self, content: dict[str, Any]) -> None:
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
