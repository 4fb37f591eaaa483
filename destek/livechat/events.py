"""Channel-layer notifications for chat: tiny frames that say "look in the database".

Group names live here so that services (which publish) and consumers (which listen) cannot
drift apart. Publishing goes through destek.realtime.push: after the commit, and a broken
channel layer is logged, never raised.

A consumer calls services on a worker thread; from there a publish would have to hop back
onto the event loop and hold the thread (and its database connection) until Redis answered.
So consumers run services through `collecting()`, which keeps what the service publishes
after its commit, and then send it from the loop with `send_collected()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from destek.realtime.notices import chat_waiting
from destek.realtime.push import Push, push_now, push_on_commit, pushes_held, send_async

T = TypeVar("T")
Collected = list[Push]

QUEUE = "chat.queue"  # every agent console: the waiting list and the supervisor view changed


def conversation_group(conversation_id: int) -> str:
    return f"chat.conv.{conversation_id}"


def agent_group(agent_id: int) -> str:
    return f"chat.agent.{agent_id}"


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    push_on_commit(group, event)


def collecting(func: Callable[..., T]) -> Callable[..., tuple[T, Collected]]:
    """`func` with what it published (after its commits) returned instead of sent."""

    def run(*args: Any, **kwargs: Any) -> tuple[T, Collected]:
        collected: Collected = []
        try:
            with pushes_held() as collected:
                result = func(*args, **kwargs)
        except BaseException:
            push_now(collected)  # committed before the failure: still announced
            raise
        return result, collected

    return run


async def send_collected(layer: Any, collected: Collected) -> None:
    await send_async(layer, collected)


def message_stored(conversation_id: int, seq: int, frame: dict[str, Any] | None = None) -> None:
    """`frame` is a copy of the stored message: a receiver that is exactly one behind sends it
    on without a query; any other receiver reads what it misses from the database."""
    event: dict[str, Any] = {"type": "chat.notify", "conversation": conversation_id, "seq": seq}
    if frame is not None:
        event["message"] = frame
    publish_on_commit(conversation_group(conversation_id), event)


def conversation_changed(conversation_id: int, *, agent_ids: tuple[int | None, ...] = ()) -> None:
    """State, agent or department changed: the visitor, the agents concerned and the queue."""
    event = {"type": "chat.changed", "conversation": conversation_id}
    publish_on_commit(conversation_group(conversation_id), event)
    for agent_id in dict.fromkeys(agent_ids):
        if agent_id:
            publish_on_commit(agent_group(agent_id), event)
    publish_on_commit(QUEUE, {"type": "chat.queue", "conversation": conversation_id})


def read_moved(conversation_id: int, side: str, seq: int) -> None:
    publish_on_commit(conversation_group(conversation_id),
                      {"type": "chat.read", "conversation": conversation_id, "side": side,
                       "seq": seq})


def waiting_for_an_agent(conversation_id: int, department_id: int) -> None:
    """Routing found nobody free: the desks of its department hear it (notifications)."""
    chat_waiting(conversation_id=conversation_id, department_id=department_id)
