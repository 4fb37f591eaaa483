"""Reads for sockets and pages: messages after a seq, the console's lists, search."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from destek.accounts.models import User
from destek.livechat.access import conversations_visible_to
from destek.livechat.models import ChatMessage, Conversation, ConversationState, Side
from destek.livechat.waiting import still_waiting

RESUME_BATCH = 200  # a client far behind gets the rest on its next resume


def message_payload(message: ChatMessage, *, conversation: Conversation | None = None,
                    name: str | None = None) -> dict[str, Any]:
    """The frame a client receives; names agents by their name only (never their address).
    A visitor is named by their conversation, or by `name` when the caller knows it."""
    author = message.author
    if message.side == Side.AGENT:
        name = (author.full_name if author else "") or ""
    elif message.side == Side.VISITOR and name is None and conversation is not None:
        name = conversation.display_name
    elif message.side != Side.VISITOR or name is None:
        name = ""
    frame: dict[str, Any] = {
        "type": "message", "conversation": message.conversation_id, "seq": message.seq,
        "client_id": message.client_id, "side": message.side, "name": name,
        "body": message.body, "created_at": message.created_at.isoformat(),
    }
    if message.is_internal:
        frame["internal"] = True
    if message.attachment is not None:
        frame["attachment"] = {"id": message.attachment.pk,
                               "name": message.attachment.original_name,
                               "size": message.attachment.size,
                               "type": message.attachment.content_type}
    return frame


def messages_after(*, conversation: Conversation, after: int, for_side: str,
                   limit: int = RESUME_BATCH) -> list[dict[str, Any]]:
    """What a client missed, in order; visitors never see agents' internal notes."""
    queryset = ChatMessage.objects.filter(conversation=conversation, seq__gt=after)
    if for_side == Side.VISITOR:
        queryset = queryset.filter(is_internal=False)
    rows = queryset.select_related("author", "attachment").order_by("seq")[:limit]
    return [message_payload(m, conversation=conversation) for m in rows]


def conversation_payload(conversation: Conversation, *, for_side: str) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "state", "conversation": conversation.pk, "state": conversation.state,
        "agent": (conversation.agent.full_name if conversation.agent else "") or "",
        "last_seq": conversation.last_seq,
        "read": conversation.agent_read_seq if for_side == Side.VISITOR
        else conversation.visitor_read_seq,
    }
    if for_side == Side.AGENT:
        frame.update({
            "name": conversation.display_name, "email": conversation.email,
            "topic": conversation.topic, "department": conversation.department_id,
            "agent_id": conversation.agent_id, "ticket": conversation.ticket_id,
            "created_at": conversation.created_at.isoformat(),
            "verified": conversation.customer_id is not None,
        })
    return frame


def agent_conversations(*, agent: User) -> QuerySet[Conversation]:
    """The chats an agent's console shows: their active ones."""
    return Conversation.objects.filter(agent=agent, state=ConversationState.ACTIVE).select_related(
        "department", "agent", "customer").order_by("accepted_at")


def waiting_conversations(*, actor: User) -> QuerySet[Conversation]:
    """Without the chats whose visitor never connected (destek.livechat.waiting)."""
    return conversations_visible_to(actor).filter(
        still_waiting(timezone.now()), state=ConversationState.WAITING,
    ).select_related("department", "customer").order_by("created_at")


def active_conversations(*, actor: User) -> QuerySet[Conversation]:
    return conversations_visible_to(actor).filter(state=ConversationState.ACTIVE).select_related(
        "department", "customer", "agent").order_by("accepted_at")


def wait_seconds(conversation: Conversation) -> int:
    return max(0, int((timezone.now() - conversation.created_at).total_seconds()))


def conversation_search(*, actor: User, query: str, limit: int = 50) -> QuerySet[Conversation]:
    """Past chats by customer (name, address) or by words in a message (contains)."""
    queryset = conversations_visible_to(actor).select_related("department", "agent", "customer")
    query = query.strip()[:200]
    if query:
        in_messages = ChatMessage.objects.filter(body__icontains=query).values("conversation_id")
        queryset = queryset.filter(
            Q(visitor_email__icontains=query) | Q(visitor_name__icontains=query)
            | Q(customer__email__icontains=query) | Q(customer__full_name__icontains=query)
            | Q(topic__icontains=query) | Q(pk__in=in_messages)
        )
    return queryset.order_by("-created_at")[:limit]


def customer_for(conversation: Conversation) -> User | None:
    """The customer account behind a chat: signed in, or (unverified) by the form's address."""
    if conversation.customer is not None:
        return conversation.customer
    if not conversation.visitor_email:
        return None
    return User.objects.filter(email=conversation.visitor_email).first()
