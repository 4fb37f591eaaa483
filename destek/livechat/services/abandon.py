"""Chats whose visitor never connected are ended as abandoned (a beat task, every minute).

Idempotent: each chat is re-read under its row lock and ended only while it is still waiting
without a visitor, so two runs (or a run racing the visitor's late connection) end it once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from destek.livechat import events
from destek.livechat.models import Conversation, ConversationState
from destek.livechat.services.messages import chat_system_message
from destek.livechat.waiting import UNCONNECTED_AFTER

BATCH = 500


def chat_visitor_connected(*, conversation_id: int) -> None:
    """The widget opened its socket: the chat has a visitor (kept from the first time on)."""
    Conversation.objects.filter(pk=conversation_id, visitor_connected_at__isnull=True).update(
        visitor_connected_at=timezone.now())


def chats_abandon_unconnected(*, now: datetime | None = None) -> int:
    """End the waiting chats whose visitor has not connected within UNCONNECTED_AFTER;
    returns how many were ended."""
    now = now or timezone.now()
    stale = list(Conversation.objects.filter(
        state=ConversationState.WAITING, visitor_connected_at__isnull=True,
        created_at__lte=now - UNCONNECTED_AFTER,
    ).order_by("created_at").values_list("pk", flat=True)[:BATCH])
    ended = 0
    for pk in stale:
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=pk)
            if (conversation.state != ConversationState.WAITING
                    or conversation.visitor_connected_at is not None):
                continue
            conversation.state = ConversationState.ENDED
            conversation.ended_at = now
            conversation.save(update_fields=["state", "ended_at"])
            with override(conversation.language):
                chat_system_message(conversation=conversation,
                                    body=_("The visitor left before the chat began."))
            events.conversation_changed(conversation.pk)
            ended += 1
    return ended
