"""Notices for the desk that are not ticket events: a chat waiting for an agent (livechat
calls it; the desk's socket forwards it to desk-notify.js)."""

from __future__ import annotations

from destek.realtime import groups
from destek.realtime.push import CHAT_WAITING, push_on_commit


def chat_waiting(*, conversation_id: int, department_id: int) -> None:
    """A chat no agent was free to take: the desks that see its department hear it. Ids only:
    the agent opens the chat console, where access is checked."""
    push_on_commit((groups.ALL, groups.department_group(department_id)),
                   {"type": CHAT_WAITING, "conversation": conversation_id,
                    "department_id": department_id},
                   key=("chat-waiting", conversation_id))
