"""Issue 12, hole 3, on the sockets: whatever frames a visitor's widget or an agent's console
sends (any type, any field, any JSON value, lone surrogates and NUL in any text), the socket
answers with frames or closes with one of its codes. It never dies with an exception (which a
browser sees as a drop without a close code)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destek.accounts.factories import MembershipFactory
from destek.core.tests.strategies import ANY_TEXT
from destek.livechat.consumers.frames import (
    CLOSE_BAD_FRAME,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_RATE_LIMITED,
)
from destek.livechat.services.conversations import chat_start
from destek.livechat.tests.conftest import (
    TIMEOUT,
    agent_headers,
    agent_socket,
    go_online,
    visitor_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)

KNOWN_CLOSE_CODES = {CLOSE_BAD_FRAME, CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_RATE_LIMITED}
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | ANY_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(ANY_TEXT, children,
                                                                      max_size=3),
    max_leaves=6,
)
# Every frame type the two consumers know (an unknown type just closes with CLOSE_BAD_FRAME).
TYPES = ["resume", "message", "typing", "read", "leave", "end", "transcript", "ping"]
# Text fields are drawn as text most of the time: a random JSON value rarely gets past the
# frame's shape checks to where the text is stored and echoed.
TEXT_OR_ANY = ANY_TEXT | ANY_TEXT | VALUES
# A well-formed client id half the time, or a message never gets past it to its text.
CLIENT_ID = st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)
# "message" is the frame whose text is stored and echoed to the other side: drawn most often.
FRAME_TYPE = st.sampled_from(["message"] * len(TYPES) + TYPES)
FRAMES = st.lists(
    st.fixed_dictionaries(
        {"type": FRAME_TYPE, "body": TEXT_OR_ANY,
         "client_id": CLIENT_ID | TEXT_OR_ANY},
        optional={"after": VALUES, "conversation": VALUES, "seq": VALUES, "typing": VALUES,
                  "reason": TEXT_OR_ANY}),
    min_size=1, max_size=4)
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


async def survives(socket: Any, frames: list[dict[str, Any]], conversation_id: int) -> None:
    """Send the frames, then a ping: the socket answers it or has closed with a known code."""
    for frame in frames:
        frame.setdefault("conversation", conversation_id)
        # As a browser's JSON.stringify writes it: a lone surrogate as the escape "\ud800".
        await socket.send_input({"type": "websocket.receive", "text": json.dumps(frame)})
    await socket.send_input({"type": "websocket.receive", "text": json.dumps({"type": "ping"})})
    while True:
        # An exception inside the consumer is re-raised here, failing the test.
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            assert output.get("code") in KNOWN_CLOSE_CODES, (frames, output)
            return
        if json.loads(output["text"])["type"] == "pong":
            return


@pytest.fixture
def membership(db):  # type: ignore[no-untyped-def]
    membership = MembershipFactory()
    go_online(membership.agent)
    return membership


def new_chat(membership):  # type: ignore[no-untyped-def]
    """A fresh chat per example: frames may end one, and hypothesis shares fixtures."""
    return chat_start(customer=None, name="Ayşe", email="ayse@example.com", topic="",
                      department_id=membership.department_id, language="tr")


@FUZZ
@given(frames=FRAMES)
def test_visitor_socket_survives_any_frame(membership, frames):
    conversation = new_chat(membership)

    async def scenario() -> None:
        socket = visitor_socket(conversation)
        assert (await socket.connect())[0]
        await survives(socket, frames, conversation.pk)
        await socket.disconnect()

    async_to_sync(scenario)()


@FUZZ
@given(frames=FRAMES)
def test_agent_console_survives_any_frame(membership, frames):
    conversation = new_chat(membership)
    headers = agent_headers(membership.agent)

    async def scenario() -> None:
        socket = agent_socket(headers)
        assert (await socket.connect())[0]
        await survives(socket, frames, conversation.pk)
        await socket.disconnect()

    async_to_sync(scenario)()
