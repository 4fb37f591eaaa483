"""The desk's WebSocket: ticket-change notifications, "who is on this ticket" presence, and
the agent's own SLA alerts.

A thin, synchronous consumer (Channels docs' advice): authenticate, decode, check access
through destek.tickets.access, join groups, forward. The socket only *notifies*; browsers
fetch data over HTTP through the same permission checks as every other door.
"""

from __future__ import annotations

import json
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer

from destek.accounts.mfa import must_enrol_mfa
from destek.accounts.models import User
from destek.accounts.scope import (
    is_department_limited,
    member_department_ids,
    works_in_every_department,
)
from destek.core.errors import NotFound
from destek.realtime import groups
from destek.tickets.access import access_ticket_by_id

MAX_FRAME_CHARS = 2048
MAX_WATCHED_TICKETS = 20
# How long a granted access check is trusted before the next presence frame re-checks it.
ACCESS_RECHECK_SECONDS = 30.0
PRESENCE_STATES = ("viewing", "typing")
CLOSE_FORBIDDEN = 4403


def desk_groups_for(user: User) -> list[str]:
    """The notification groups an agent may hear: everything, or only their departments."""
    if is_department_limited(user):
        return [groups.department_group(pk) for pk in member_department_ids(user)]
    if works_in_every_department(user):
        return [groups.ALL]
    return []


def _ticket_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value) or None
    return None


class DeskConsumer(JsonWebsocketConsumer):
    """ws/desk/: one per open desk tab."""

    user: User
    listening: list[str]
    # ticket id → monotonic time its access was last confirmed
    watching: dict[int, float]

    # --- lifecycle --------------------------------------------------------------------------

    def connect(self) -> None:
        user = self.scope.get("user")
        if (user is None or not user.is_authenticated or not user.is_active
                or not getattr(user, "is_agent", False) or must_enrol_mfa(user)):
            self.close(code=CLOSE_FORBIDDEN)  # before accept(): the handshake is refused
            return
        self.user = user
        self.watching = {}
        self.listening = [*desk_groups_for(user), groups.user_group(user.pk)]
        for group in self.listening:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        self.accept()

    def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        for ticket_id in list(self.watching):
            self._leave(ticket_id)
        for group in self.listening:
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)

    # --- from the browser -------------------------------------------------------------------

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Like JsonWebsocketConsumer.receive, but junk (binary, non-JSON, huge, not an
        object) is ignored instead of killing the connection."""
        if not text_data or len(text_data) > MAX_FRAME_CHARS:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        if isinstance(content, dict):
            self.receive_json(content)

    def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        action = content.get("action")
        ticket_id = _ticket_id(content.get("ticket_id"))
        if ticket_id is None:
            return
        if action in PRESENCE_STATES:
            self._announce(ticket_id, str(action), joined=bool(content.get("joined")))
        elif action == "leave" and ticket_id in self.watching:
            self._leave(ticket_id)

    # --- from the channel layer -------------------------------------------------------------

    def desk_ticket_changed(self, event: dict[str, Any]) -> None:
        self.send_json({
            "type": "ticket.changed",
            "ticket_id": event["ticket_id"],
            "department_id": event["department_id"],
            "reference": event["reference"],
        })

    def desk_tickets_changed(self, event: dict[str, Any]) -> None:
        """Several tickets changed in one transaction or batch: the browser hears each."""
        for ticket in event["tickets"]:
            self.desk_ticket_changed(ticket)

    def desk_assigned(self, event: dict[str, Any]) -> None:
        """A ticket was given to this agent (realtime.subscribers.on_ticket_assigned)."""
        self.send_json({"type": "ticket.assigned", "ticket_id": event["ticket_id"],
                        "reference": event["reference"]})

    def desk_chat_waiting(self, event: dict[str, Any]) -> None:
        """A chat of a department this agent sees waits for someone to take it."""
        self.send_json({"type": "chat.waiting", "conversation": event["conversation"],
                        "department_id": event["department_id"]})

    def desk_presence(self, event: dict[str, Any]) -> None:
        if event.get("sender") == self.channel_name:
            return
        self.send_json({
            "type": "presence",
            "ticket_id": event["ticket_id"],
            "user_id": event["user_id"],
            "name": event["name"],
            "state": event["state"],
            "joined": event.get("joined", False),
        })

    def desk_sla_alert(self, event: dict[str, Any]) -> None:
        """A warning, breach or escalation for this agent (destek.sla.services.notify)."""
        self.send_json({
            "type": "sla.alert",
            "ticket_id": event["ticket_id"],
            "reference": event["reference"],
            "kind": event["kind"],
            "metric": event.get("metric") or "",
            "due_at": event.get("due_at"),
        })

    def desk_follow_alert(self, event: dict[str, Any]) -> None:
        """This agent was @mentioned, or a ticket they follow changed
        (destek.tickets.services.followers)."""
        self.send_json({
            "type": "follow.alert",
            "ticket_id": event["ticket_id"],
            "reference": event["reference"],
            "reason": event["reason"],
        })

    # --- presence ---------------------------------------------------------------------------

    def _may_watch(self, ticket_id: int) -> bool:
        checked = self.watching.get(ticket_id)
        if checked is not None and time.monotonic() - checked < ACCESS_RECHECK_SECONDS:
            return True
        try:
            access_ticket_by_id(actor=self.user, ticket_id=ticket_id)
        except NotFound:
            return False
        return True

    def _announce(self, ticket_id: int, state: str, *, joined: bool) -> None:
        if not self._may_watch(ticket_id):
            if ticket_id in self.watching:  # access was lost since the last check
                self._leave(ticket_id)
            return
        group = groups.ticket_group(ticket_id)
        if ticket_id not in self.watching:
            if len(self.watching) >= MAX_WATCHED_TICKETS:
                self._leave(next(iter(self.watching)))
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
            joined = True
        self.watching[ticket_id] = time.monotonic()
        self._broadcast(ticket_id, state, joined=joined)

    def _leave(self, ticket_id: int) -> None:
        self._broadcast(ticket_id, "left", joined=False)
        async_to_sync(self.channel_layer.group_discard)(groups.ticket_group(ticket_id),
                                                        self.channel_name)
        self.watching.pop(ticket_id, None)

    def _broadcast(self, ticket_id: int, state: str, *, joined: bool) -> None:
        async_to_sync(self.channel_layer.group_send)(groups.ticket_group(ticket_id), {
            "type": "desk.presence",
            "sender": self.channel_name,
            "ticket_id": ticket_id,
            "user_id": self.user.pk,
            "name": self.user.display_name,
            "state": state,
            "joined": joined,
        })
