"""The waiting list: times in minutes and hours, and chats whose visitor never connected
leave it (at once on every read, ended as abandoned by the beat task, once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone, translation

from destek.accounts.factories import AgentFactory
from destek.livechat.models import ChatMessage, Conversation, ConversationState, Side
from destek.livechat.selectors import waiting_conversations
from destek.livechat.services.abandon import chats_abandon_unconnected
from destek.livechat.services.conversations import chat_start
from destek.livechat.services.routing import chat_status_set
from destek.livechat.tasks import abandon_unconnected_chats
from destek.livechat.tests.conftest import visitor_socket
from destek.livechat.waiting import UNCONNECTED_AFTER, wait_text


@pytest.mark.parametrize(("seconds", "en", "tr"), [
    (0, "under a minute", "bir dakikadan kısa"),
    (59, "under a minute", "bir dakikadan kısa"),
    (125, "2 min", "2 dk"),
    (3600, "1 h", "1 sa"),
    (3900 + 59, "1 h 5 min", "1 sa 5 dk"),
    (26 * 3600, "26 h", "26 sa"),
])
def test_waiting_time_reads_in_minutes_and_hours(seconds: int, en: str, tr: str) -> None:
    with translation.override("en"):
        assert wait_text(seconds) == en
    with translation.override("tr"):
        assert wait_text(seconds) == tr


def _start(department, email: str) -> Conversation:  # type: ignore[no-untyped-def]
    return chat_start(customer=None, name="Visitor", email=email, topic="Site down",
                      department_id=department.pk, language="tr")


def _age(conversation: Conversation, by: timedelta) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=timezone.now() - by)


@pytest.mark.django_db
def test_a_chat_whose_visitor_never_connected_leaves_the_waiting_list(department) -> None:
    staff = AgentFactory()
    ghost = _start(department, "ghost@example.com")
    present = _start(department, "present@example.com")
    fresh = _start(department, "fresh@example.com")
    for chat in (ghost, present):
        _age(chat, UNCONNECTED_AFTER + timedelta(minutes=1))
    Conversation.objects.filter(pk=present.pk).update(visitor_connected_at=timezone.now())

    # On read, before any task ran: the ghost is gone from the list.
    assert {c.pk for c in waiting_conversations(actor=staff)} == {present.pk, fresh.pk}

    assert abandon_unconnected_chats() == 1
    ghost.refresh_from_db()
    assert ghost.state == ConversationState.ENDED and ghost.ended_at is not None
    note = ChatMessage.objects.get(conversation=ghost, side=Side.SYSTEM)
    assert note.body == "Ziyaretçi sohbet başlamadan ayrıldı."  # the visitor's language
    # Idempotent: a second run ends nothing and writes nothing.
    assert chats_abandon_unconnected() == 0
    assert ChatMessage.objects.filter(conversation=ghost).count() == 1
    for chat in (present, fresh):
        chat.refresh_from_db()
        assert chat.state == ConversationState.WAITING


@pytest.mark.django_db
def test_an_agent_coming_online_is_not_given_an_abandoned_chat(department, agent) -> None:
    ghost = _start(department, "ghost@example.com")
    _age(ghost, UNCONNECTED_AFTER + timedelta(seconds=5))
    chat_status_set(agent=agent, status="online")
    ghost.refresh_from_db()
    assert ghost.state == ConversationState.WAITING and ghost.agent_id is None


@pytest.mark.django_db
def test_the_consoles_waiting_list_shows_minutes(department, agent) -> None:
    chat = _start(department, "slow@example.com")
    Conversation.objects.filter(pk=chat.pk).update(
        created_at=timezone.now() - timedelta(minutes=65, seconds=10),
        visitor_connected_at=timezone.now())
    client = Client()
    client.force_login(agent)
    page = client.get("/desk/chat/waiting/", headers={"Accept-Language": "en"}).content.decode()
    assert "waiting 1 h 5 min" in page and " s<" not in page
    client.cookies["django_language"] = "tr"
    page = client.get("/desk/chat/waiting/").content.decode()
    assert "1 sa 5 dk bekliyor" in page


@pytest.mark.django_db(transaction=True)
def test_the_widgets_socket_marks_the_visitor_connected(department) -> None:
    chat = _start(department, "here@example.com")
    assert chat.visitor_connected_at is None

    async def scenario() -> None:
        socket = visitor_socket(chat)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)  # the state frame
        await socket.disconnect()

    async_to_sync(scenario)()
    chat.refresh_from_db()
    assert chat.visitor_connected_at is not None
    _age(chat, UNCONNECTED_AFTER * 2)
    assert chats_abandon_unconnected() == 0
