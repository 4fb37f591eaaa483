"""ws/chat/agent/: one per open chat console, carrying every chat the agent has open.

The agent names a conversation in each frame; each one is checked once through
destek.livechat.access before the socket joins its group or writes to it.
"""

from __future__ import annotations

import time
from typing import Any

from destek.accounts.mfa import must_enrol_mfa
from destek.accounts.models import User
from destek.core.errors import NotFound
from destek.livechat import events
from destek.livechat.access import access_conversation_by_id
from destek.livechat.consumers.base import ChatSocket, Handler, db
from destek.livechat.consumers.frames import (
    CLOSE_FORBIDDEN,
    BadFrame,
    TokenBucket,
    seq_value,
    text_value,
)
from destek.livechat.models import Conversation, Side
from destek.livechat.selectors import (
    RESUME_BATCH,
    agent_conversations,
    conversation_payload,
    messages_after,
)
from destek.livechat.services.messages import chat_mark_read, chat_message_post, clean_client_id
from destek.livechat.services.routing import agent_seen

MAX_OPEN = 500  # conversations one console may follow at once


def _mine(user: User) -> list[dict[str, Any]]:
    return [conversation_payload(c, for_side=Side.AGENT) for c in agent_conversations(agent=user)]


def _access(user: User, conversation_id: Any) -> Conversation | None:
    try:
        return access_conversation_by_id(actor=user, conversation_id=conversation_id)
    except NotFound:
        return None


def _conversation_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise BadFrame("bad conversation")
    return value


class AgentConsumer(ChatSocket):
    user: User
    # conversation id → highest seq sent to this console
    delivered: dict[int, int]
    conversations: dict[int, Conversation]

    def handlers(self) -> dict[str, Handler]:
        return {"resume": self.resume, "message": self.message, "typing": self.typing,
                "read": self.read, "leave": self.leave, "ping": self.ping}

    async def connect(self) -> None:
        user = self.scope.get("user")
        if (user is None or not user.is_authenticated or not user.is_active
                or not getattr(user, "is_agent", False) or await db(must_enrol_mfa)(user)):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.delivered, self.conversations = {}, {}
        self.bucket = TokenBucket(burst=100, rate=20.0)  # one console speaks for many chats
        await self.channel_layer.group_add(events.agent_group(user.pk), self.channel_name)
        await self.channel_layer.group_add(events.QUEUE, self.channel_name)
        self.joined_at = time.monotonic()
        await self.accept()
        await db(agent_seen)(agent_id=user.pk)
        await self.send_json({"type": "hello", "conversations": await db(_mine)(user)})

    def current_groups(self) -> list[str]:
        return [events.agent_group(self.user.pk), events.QUEUE,
                *(events.conversation_group(pk) for pk in self.conversations)]

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        await self.channel_layer.group_discard(events.agent_group(self.user.pk),
                                               self.channel_name)
        await self.channel_layer.group_discard(events.QUEUE, self.channel_name)
        for pk in self.conversations:
            await self.channel_layer.group_discard(events.conversation_group(pk),
                                                   self.channel_name)

    async def _open(self, value: Any, *, fresh: bool = False) -> Conversation:
        """The conversation, checked once; `fresh` reads it again (its state may have changed
        since: a resume after "changed" must report the new state, not the cached one)."""
        pk = _conversation_id(value)
        conversation = self.conversations.get(pk)
        if conversation is not None and not fresh:
            return conversation
        conversation = await db(_access)(self.user, pk)
        if conversation is None:
            await self.leave({"conversation": pk})
            raise NotFound("Chat not found.", field="conversation")
        if pk not in self.conversations:
            if len(self.conversations) >= MAX_OPEN:
                raise BadFrame("too many conversations")
            await self.channel_layer.group_add(events.conversation_group(pk), self.channel_name)
        self.conversations[pk] = conversation
        return conversation

    # --- from the console ---------------------------------------------------------------

    async def resume(self, content: dict[str, Any]) -> None:
        conversation = await self._open(content.get("conversation"), fresh=True)
        self.delivered[conversation.pk] = seq_value(content.get("after", 0))
        await self.send_json(conversation_payload(conversation, for_side=Side.AGENT))
        await self.forward(conversation.pk)

    async def message(self, content: dict[str, Any]) -> None:
        conversation = await self._open(content.get("conversation"))
        client_id = clean_client_id(content.get("client_id"))
        attachment = content.get("attachment")
        if attachment is not None and (isinstance(attachment, bool)
                                       or not isinstance(attachment, int)):
            raise BadFrame("bad attachment")
        posted = await self.call(
            chat_message_post, conversation_id=conversation.pk, side=Side.AGENT,
            client_id=client_id, body=text_value(content.get("body")), author=self.user,
            is_internal=bool(content.get("internal")), attachment_id=attachment)
        await self.send_json({"type": "ack", "conversation": conversation.pk,
                              "client_id": client_id, "seq": posted.message.seq})

    async def typing(self, content: dict[str, Any]) -> None:
        conversation = await self._open(content.get("conversation"))
        await self.channel_layer.group_send(events.conversation_group(conversation.pk), {
            "type": "chat.typing", "conversation": conversation.pk, "side": Side.AGENT,
            "active": bool(content.get("active", True)), "sender": self.channel_name})

    async def read(self, content: dict[str, Any]) -> None:
        conversation = await self._open(content.get("conversation"))
        await self.call(chat_mark_read, conversation_id=conversation.pk, side=Side.AGENT,
                                 seq=seq_value(content.get("seq")))

    async def leave(self, content: dict[str, Any]) -> None:
        pk = _conversation_id(content.get("conversation"))
        if self.conversations.pop(pk, None) is not None:
            self.delivered.pop(pk, None)
            await self.channel_layer.group_discard(events.conversation_group(pk),
                                                   self.channel_name)

    async def ping(self, content: dict[str, Any]) -> None:
        await db(agent_seen)(agent_id=self.user.pk)
        await self.pong(content)

    # --- from the channel layer ---------------------------------------------------------

    async def forward(self, pk: int) -> None:
        conversation = self.conversations.get(pk)
        while conversation is not None and pk in self.delivered and not self.closed:
            frames = await db(messages_after)(conversation=conversation,
                                              after=self.delivered[pk], for_side=Side.AGENT)
            if not frames:
                return
            for frame in frames:
                await self.send_json(frame)
            self.delivered[pk] = frames[-1]["seq"]
            if len(frames) < RESUME_BATCH:
                return  # that was all; anything newer comes with its own notification

    async def chat_notify(self, event: dict[str, Any]) -> None:
        pk, seq = event["conversation"], event["seq"]
        if pk not in self.delivered or seq <= self.delivered[pk]:
            return
        frame = event.get("message")
        if frame is not None and seq == self.delivered[pk] + 1:
            await self.send_json(frame)
            self.delivered[pk] = seq
            return
        await self.forward(pk)

    async def chat_changed(self, event: dict[str, Any]) -> None:
        """A chat's state, agent or department changed: its new state, read once here. The
        console opens a chat that became this agent's and closes one that went elsewhere;
        the socket joins nothing it did not ask to follow."""
        pk = event["conversation"]
        conversation = await db(_access)(self.user, pk)
        if conversation is None:
            await self.leave({"conversation": pk})
            return
        if pk in self.conversations:
            self.conversations[pk] = conversation
        await self.send_json(conversation_payload(conversation, for_side=Side.AGENT))

    async def chat_queue(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "queue"})

    async def chat_read(self, event: dict[str, Any]) -> None:
        if event["side"] == Side.VISITOR:
            await self.send_json({"type": "read", "conversation": event["conversation"],
                                  "side": Side.VISITOR, "seq": event["seq"]})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event["side"] == Side.VISITOR or event.get("sender") != self.channel_name:
            await self.send_json({"type": "typing", "conversation": event["conversation"],
                                  "side": event["side"], "active": event["active"]})
