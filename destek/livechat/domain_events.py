"""Facts live chat publishes on the bus (destek.core.bus); destek.wiring decides who hears them."""

from __future__ import annotations

from dataclasses import dataclass

from destek.livechat.models import Conversation


@dataclass(frozen=True)
class ChatEnded:
    """Either side ended a chat (after chat_end's transcript and ticket append)."""

    conversation: Conversation
    side: str
