"""ws/chat/visitor/?token=…: the widget's socket, bound to exactly one conversation.

The signed token names the conversation; no frame can name another, so a visitor can never
listen to someone else's chat. Messages are stored, then acknowledged with their seq; every
client learns about new messages from a notification and reads them from the database.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

from destek.core.errors import NotFound
from destek.livechat import events
from destek.livechat.access import access_conversation_by_token
from destek.livechat.consumers.base import ChatSocket, Handler, db
from destek.livechat.consumers.frames import (
    CLOSE_NOT_FOUND,
    BadFrame,
    TokenBucket,
    seq_value,
    text_value,
)
from destek.livechat.models import Conversation, Side
from destek.livechat.selectors import RESUME_BATCH, conversation_payload, messages_after
from destek.livechat.services.abandon import chat_visitor_connected
from destek.livechat.services.conversations import chat_end
from destek.livechat.services.messages import chat_mark_read, chat_message_post, clean_client_id
from destek.livechat.services.transcript import chat_transcript_send


def _token(scope: dict[str, Any]) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    return (query.get("token") or [""])[0]


def _conversation(token: str) -> Conversation | None:
    try:
        return access_conversation_by_token(token=token)
    except NotFound:
        return None


def _reload(pk: int) -> Conversation:
    return Conversation.objects.select_related("department", "agent", "customer").get(pk=pk)


def _send_transcript(pk: int) -> str:
    conversation = _reload(pk)
    chat_transcript_send(conversation=conversation, reason="request")
    return conversation.email


class VisitorConsumer(ChatSocket):
    conversation: Conversation
    group: str
    delivered: int | None = None  # None until the client says where it resumes from

    def handlers(self) -> dict[str, Handler]:
        return {"resume": self.resume, "message": self.message, "typing": self.typing,
                "read": self.read, "end": self.end, "transcript": self.transcript,
                "ping": self.pong}

    async def connect(self) -> None:
        conversation = await db(_conversation)(_token(self.scope))
        if conversation is None:
            # Accepted, then closed with a code the widget understands ("start over"):
            # a refused handshake reaches browsers only as an anonymous 1006.
            await self.accept()
            await self.close_with(CLOSE_NOT_FOUND)
            return
        if conversation.visitor_connected_at is None:
            await db(chat_visitor_connected)(conversation_id=conversation.pk)
        self.conversation = conversation
        self.bucket = TokenBucket()
        self.group = events.conversation_group(conversation.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined_at = time.monotonic()
        await self.accept()
        await self.send_json(conversation_payload(conversation, for_side=Side.VISITOR))

    def current_groups(self) -> list[str]:
        return [self.group]

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- from the widget ----------------------------------------------------------------

    async def resume(self, content: dict[str, Any]) -> None:
        self.delivered = seq_value(content.get("after", 0))
        await self.forward()

    async def message(self, content: dict[str, Any]) -> None:
        client_id = clean_client_id(content.get("client_id"))
        attachment = content.get("attachment")
        if attachment is not None and (isinstance(attachment, bool)
                                       or not isinstance(attachment, int)):
            raise BadFrame("bad attachment")
        posted = await self.call(
            chat_message_post, conversation_id=self.conversation.pk, side=Side.VISITOR,
            client_id=client_id, body=text_value(content.get("body")),
            author=self.conversation.customer, attachment_id=attachment)
        await self.send_json({"type": "ack", "client_id": client_id,
                              "seq": posted.message.seq})

    async def typing(self, content: dict[str, Any]) -> None:
        await self.channel_layer.group_send(self.group, {
            "type": "chat.typing", "conversation": self.conversation.pk, "side": Side.VISITOR,
            "active": bool(content.get("active", True)), "sender": self.channel_name})

    async def read(self, content: dict[str, Any]) -> None:
        await self.call(chat_mark_read, conversation_id=self.conversation.pk, side=Side.VISITOR,
                                 seq=seq_value(content.get("seq")))

    async def end(self, content: dict[str, Any]) -> None:
        await self.call(chat_end, conversation_id=self.conversation.pk, side=Side.VISITOR)

    async def transcript(self, content: dict[str, Any]) -> None:
        email = await db(_send_transcript)(self.conversation.pk)
        await self.send_json({"type": "transcript", "email": email})

    # --- from the channel layer ---------------------------------------------------------

    async def forward(self) -> None:
        """Send what the database has after `delivered`, in order, once."""
        while self.delivered is not None and not self.closed:
            frames = await db(messages_after)(conversation=self.conversation,
                                              after=self.delivered, for_side=Side.VISITOR)
            if not frames:
                return
            for frame in frames:
                await self.send_json(frame)
            self.delivered = frames[-1]["seq"]
            if len(frames) < RESUME_BATCH:
                return  # that was all; anything newer comes with its own notification

    async def chat_notify(self, event: dict[str, Any]) -> None:
        if self.delivered is None or event["seq"] <= self.delivered:
            return
        frame = event.get("message")
        if frame is not None and event["seq"] == self.delivered + 1:
            if not frame.get("internal"):
                await self.send_json(frame)
            self.delivered = event["seq"]
            return
        await self.forward()

    async def chat_changed(self, event: dict[str, Any]) -> None:
        self.conversation = await db(_reload)(self.conversation.pk)
        await self.send_json(conversation_payload(self.conversation, for_side=Side.VISITOR))

    async def chat_read(self, event: dict[str, Any]) -> None:
        if event["side"] == Side.AGENT:
            await self.send_json({"type": "read", "side": Side.AGENT, "seq": event["seq"]})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event["side"] == Side.AGENT:
            await self.send_json({"type": "typing", "side": Side.AGENT,
                                  "active": event["active"]})

    async def chat_queue(self, event: dict[str, Any]) -> None:
        """Not a visitor's business (they never join the queue group)."""
