"""The chat sockets through Channels' WebsocketCommunicator: stored before acknowledged,
idempotent client ids, resume with exactly the missed messages, junk closes the connection,
no way into someone else's chat, a rate limit, the Origin check.

Each test is synchronous and runs one async scenario (async_to_sync), with transaction=True
so the consumer's thread sees committed rows.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from destek.accounts.factories import AgentFactory, DepartmentFactory, MembershipFactory
from destek.accounts.models import Role
from destek.livechat.models import ChatMessage, Conversation, ConversationState, Side
from destek.livechat.services.conversations import chat_start
from destek.livechat.services.messages import chat_message_post
from destek.livechat.tests.conftest import (
    TIMEOUT,
    agent_headers,
    agent_socket,
    go_online,
    visitor_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(db):  # type: ignore[no-untyped-def]
    membership = MembershipFactory()
    go_online(membership.agent)
    conversation = chat_start(customer=None, name="Ayşe", email="ayse@example.com",
                              topic="", department_id=membership.department_id, language="tr")
    assert conversation.state == ConversationState.ACTIVE
    return conversation, membership.agent


async def frames_until(socket, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    seen = []
    while True:
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def next_of(socket, kind: str) -> dict:  # type: ignore[no-untyped-def]
    return (await frames_until(socket, kind))[-1]


def test_retried_send_stores_one_message_and_the_agent_gets_it_once(setup) -> None:
    conversation, agent = setup

    agent_h = agent_headers(agent)

    async def scenario() -> None:
        visitor, desk = visitor_socket(conversation), agent_socket(agent_h)
        assert (await visitor.connect())[0] and (await desk.connect())[0]
        await next_of(desk, "hello")
        await desk.send_json_to({"type": "resume", "conversation": conversation.pk,
                                 "after": conversation.last_seq})
        await next_of(desk, "state")
        await visitor.send_json_to({"type": "resume", "after": 0})
        await visitor.send_json_to({"type": "message", "client_id": "c-1", "body": "Merhaba"})
        first = await next_of(visitor, "ack")
        await visitor.send_json_to({"type": "message", "client_id": "c-1", "body": "Merhaba"})
        second = await next_of(visitor, "ack")
        assert first["seq"] == second["seq"]
        got = await next_of(desk, "message")
        assert (got["body"], got["seq"], got["side"]) == ("Merhaba", first["seq"], "visitor")
        assert await desk.receive_nothing(timeout=0.3)
        await visitor.disconnect()
        await desk.disconnect()

    async_to_sync(scenario)()
    assert ChatMessage.objects.filter(conversation=conversation, client_id="c-1").count() == 1


def test_resume_after_reconnect_delivers_exactly_the_missed_messages_in_order(setup) -> None:
    conversation, agent = setup

    async def scenario() -> None:
        visitor = visitor_socket(conversation)
        await visitor.connect()
        await visitor.send_json_to({"type": "resume", "after": 0})
        await visitor.send_json_to({"type": "message", "client_id": "v-1", "body": "one"})
        ack = await next_of(visitor, "ack")
        await visitor.disconnect()
        for n in range(3):  # while the visitor's network is down
            await sync_to_async(chat_message_post)(conversation_id=conversation.pk,
                                                   side=Side.AGENT, author=agent,
                                                   client_id=f"a-{n}", body=f"reply {n}")
        await sync_to_async(chat_message_post)(conversation_id=conversation.pk, side=Side.AGENT,
                                               author=agent, client_id="note", body="secret",
                                               is_internal=True)
        again = visitor_socket(conversation)
        await again.connect()
        await next_of(again, "state")
        await again.send_json_to({"type": "resume", "after": ack["seq"]})
        bodies = [(await next_of(again, "message"))["body"] for _ in range(3)]
        assert bodies == ["reply 0", "reply 1", "reply 2"]
        assert await again.receive_nothing(timeout=0.3)  # no repeats, no internal note
        await again.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("frame", [
    {"bytes": b"\x00\x01binary"},
    {"text": "not json {"},
    {"text": json.dumps({"type": "message", "body": "x" * 9000, "client_id": "big"})},
    {"text": json.dumps(["a", "list"])},
    {"text": json.dumps({"type": "no-such-frame"})},
    {"text": json.dumps({"type": "resume", "after": "lots"})},
])
def test_junk_closes_the_connection(setup, frame: dict) -> None:
    conversation, _agent = setup

    async def scenario() -> None:
        visitor = visitor_socket(conversation)
        await visitor.connect()
        await next_of(visitor, "state")
        await visitor.send_input({"type": "websocket.receive", **frame})
        closed = await visitor.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": 4400}
        await visitor.disconnect(code=4400)

    async_to_sync(scenario)()
    assert not ChatMessage.objects.filter(client_id="big").exists()


def test_a_visitor_cannot_reach_another_conversation(setup) -> None:
    conversation, _agent = setup
    other = chat_start(customer=None, name="Other", email="other@example.com", topic="",
                       department_id=conversation.department_id, language="en")
    chat_message_post(conversation_id=other.pk, side=Side.VISITOR, client_id="x",
                      body="private words")

    async def scenario() -> None:
        forged = visitor_socket(token=f"{other.public_id}:forged")
        await forged.connect()
        assert (await forged.receive_output(timeout=TIMEOUT))["code"] == 4404
        visitor = visitor_socket(conversation)
        await visitor.connect()
        await next_of(visitor, "state")
        # Frames cannot name a conversation: the one in the token is the only one.
        await visitor.send_json_to({"type": "resume", "after": 0, "conversation": other.pk})
        frames = []
        while not await visitor.receive_nothing(timeout=0.3):
            frames.append(await visitor.receive_json_from())
        assert all(f.get("conversation") in (None, conversation.pk) for f in frames)
        assert "private words" not in json.dumps(frames)
        await visitor.disconnect()

    async_to_sync(scenario)()


def test_an_outsourced_agent_cannot_open_another_departments_chat(setup) -> None:
    conversation, _agent = setup
    outsider = AgentFactory(role=Role.OUTSOURCED)
    MembershipFactory(agent=outsider, department=DepartmentFactory())

    agent_h = agent_headers(outsider)

    async def scenario() -> None:
        desk = agent_socket(agent_h)
        await desk.connect()
        await next_of(desk, "hello")
        await desk.send_json_to({"type": "resume", "conversation": conversation.pk, "after": 0})
        error = await next_of(desk, "error")
        assert error["code"] == "conversation"
        await desk.send_json_to({"type": "message", "conversation": conversation.pk,
                                 "client_id": "o-1", "body": "hi"})
        await next_of(desk, "error")
        await desk.disconnect()

    async_to_sync(scenario)()
    assert not ChatMessage.objects.filter(client_id="o-1").exists()


def test_customers_cannot_open_the_agent_socket(setup, customer) -> None:
    agent_h = agent_headers(customer)

    async def scenario() -> None:
        connected, _code = await agent_socket(agent_h).connect()
        assert not connected

    async_to_sync(scenario)()


def test_flooding_closes_the_connection(setup, settings) -> None:
    conversation, _agent = setup
    settings.DESTEK_CHAT_RATE_BURST = 5
    settings.DESTEK_CHAT_RATE_PER_SECOND = 0.1

    async def scenario() -> None:
        visitor = visitor_socket(conversation)
        await visitor.connect()
        for _ in range(6):
            await visitor.send_json_to({"type": "ping"})
        frames = []
        while True:
            out = await visitor.receive_output(timeout=TIMEOUT)
            frames.append(out)
            if out["type"] == "websocket.close":
                break
        assert frames[-1]["code"] == 4429
        assert sum(1 for f in frames if '"pong"' in f.get("text", "")) == 5

    async_to_sync(scenario)()


def test_origins_outside_the_allowed_list_are_refused(setup) -> None:
    conversation, _agent = setup

    async def scenario() -> None:
        refused, _code = await visitor_socket(conversation, origin="https://evil.example").connect()
        assert not refused
        ok = visitor_socket(conversation, origin="https://shop.example")
        assert (await ok.connect())[0]
        await ok.disconnect()

    async_to_sync(scenario)()


def test_typing_read_receipts_and_end(setup, settings) -> None:
    conversation, agent = setup

    agent_h = agent_headers(agent)

    async def scenario() -> None:
        visitor, desk = visitor_socket(conversation), agent_socket(agent_h)
        await visitor.connect()
        await desk.connect()
        await next_of(desk, "hello")
        await desk.send_json_to({"type": "resume", "conversation": conversation.pk,
                                 "after": 0})
        await next_of(desk, "state")
        await visitor.send_json_to({"type": "resume", "after": 0})
        await visitor.send_json_to({"type": "typing", "active": True})
        typing = await next_of(desk, "typing")
        assert (typing["side"], typing["active"]) == ("visitor", True)
        await desk.send_json_to({"type": "message", "conversation": conversation.pk,
                                 "client_id": "a-1", "body": "Nasıl yardımcı olabilirim?"})
        ack = await next_of(desk, "ack")
        got = await next_of(visitor, "message")
        while got["side"] != "agent":
            got = await next_of(visitor, "message")
        assert got["seq"] == ack["seq"] and got["name"] == agent.full_name
        await visitor.send_json_to({"type": "read", "seq": ack["seq"]})
        read = await next_of(desk, "read")
        assert read["seq"] == ack["seq"]
        await visitor.send_json_to({"type": "end"})
        state = await next_of(visitor, "state")
        while state["state"] != "ended":
            state = await next_of(visitor, "state")
        await visitor.disconnect()
        await desk.disconnect()

    async_to_sync(scenario)()
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ENDED
    assert conversation.visitor_read_seq >= 1
    assert Conversation.objects.get(pk=conversation.pk).ended_at is not None


def test_a_change_and_a_resume_report_the_new_state(setup) -> None:
    """When a chat changes, the console is sent its new state, read again (not the state the
    socket cached when it first opened the chat); a resume (after a reconnect) reads it too."""
    conversation, agent = setup
    agent_h = agent_headers(agent)

    async def scenario() -> None:
        visitor, desk = visitor_socket(conversation), agent_socket(agent_h)
        assert (await visitor.connect())[0] and (await desk.connect())[0]
        await next_of(desk, "hello")
        await desk.send_json_to({"type": "resume", "conversation": conversation.pk,
                                 "after": 0})
        assert (await next_of(desk, "state"))["state"] == ConversationState.ACTIVE
        await next_of(desk, "message")  # "… joined the chat": the resume has read
        await visitor.send_json_to({"type": "end"})
        changed = await next_of(desk, "state")
        assert (changed["conversation"], changed["state"]) == (
            conversation.pk, ConversationState.ENDED)
        await desk.send_json_to({"type": "resume", "conversation": conversation.pk,
                                 "after": conversation.last_seq})
        assert (await next_of(desk, "state"))["state"] == ConversationState.ENDED
        await visitor.disconnect()
        await desk.disconnect()

    async_to_sync(scenario)()


def test_a_heartbeat_rejoins_the_conversation_after_the_layer_forgot_it(setup, monkeypatch
                                                                        ) -> None:
    """channels-redis forgets group members after a day: the widget's heartbeat re-joins."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from destek.livechat import events
    from destek.livechat.consumers import base

    conversation, _agent = setup
    layer = get_channel_layer()
    if not isinstance(layer, InMemoryChannelLayer):
        pytest.skip("reaches into the in-memory layer to forget the group")
    monkeypatch.setattr(base, "REJOIN_SECONDS", 0)

    async def scenario() -> None:
        visitor = visitor_socket(conversation)
        await visitor.connect()
        await next_of(visitor, "state")
        await visitor.send_json_to({"type": "resume", "after": conversation.last_seq})
        layer.groups.pop(events.conversation_group(conversation.pk), None)  # expired
        await visitor.send_json_to({"type": "ping"})
        await next_of(visitor, "pong")
        assert layer.groups.get(events.conversation_group(conversation.pk))
        await visitor.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("body", ["\ud800", "half \udfff a pair", "nul \x00 byte"])
def test_text_no_database_can_store_gets_an_error_frame(setup, body: str) -> None:
    """Issue 12, hole 3: a lone surrogate dropped the socket without a close code (and a NUL
    failed on PostgreSQL); now the sender hears why, and the socket stays open."""
    conversation, _agent = setup

    async def scenario() -> None:
        visitor = visitor_socket(conversation)
        await visitor.connect()
        await next_of(visitor, "state")
        await visitor.send_input({"type": "websocket.receive", "text": json.dumps(
            {"type": "message", "body": body, "client_id": "odd"})})
        error = await next_of(visitor, "error")
        assert error["client_id"] == "odd" and error["code"] == "body"
        await visitor.send_json_to({"type": "message", "body": "fine", "client_id": "ok"})
        assert (await next_of(visitor, "ack"))["client_id"] == "ok"
        await visitor.disconnect()

    async_to_sync(scenario)()
    assert list(ChatMessage.objects.filter(conversation=conversation, side=Side.VISITOR)
                .values_list("body", flat=True)) == ["fine"]


def test_the_console_needs_the_required_second_factor(setup, settings) -> None:
    """Issue 12, hole 4: the chat console's socket is a door too."""
    from allauth.mfa.models import Authenticator

    _conversation, agent = setup
    settings.DESTEK_REQUIRE_STAFF_MFA = True
    agent_h = agent_headers(agent)

    async def attempt() -> bool:
        socket = agent_socket(agent_h)
        connected, _code = await socket.connect()
        await socket.disconnect()
        return bool(connected)

    assert async_to_sync(attempt)() is False
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert async_to_sync(attempt)() is True
