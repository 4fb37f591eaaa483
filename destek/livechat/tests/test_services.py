"""Routing, limits, transfer, tickets through the funnel, transcripts in the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.core.errors import ApplicationError
from destek.livechat.models import ChatAgent, ConversationState, Side
from destek.livechat.services.conversations import chat_end, chat_pick, chat_start, chat_transfer
from destek.livechat.services.messages import chat_attachment_create, chat_message_post
from destek.livechat.services.routing import chat_status_set, department_is_staffed
from destek.livechat.services.tickets import chat_convert_to_ticket, chat_offline_message
from destek.livechat.tests.conftest import go_online
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.models import Channel, Message, Ticket
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


def start(department, email: str = "v@example.com"):  # type: ignore[no-untyped-def]
    return chat_start(customer=None, name="Visitor", email=email, topic="VPS down",
                      department_id=department.pk, language="en")


def test_round_robin_with_a_concurrency_limit_then_the_waiting_list(department) -> None:
    first, second = (MembershipFactory(department=department).agent for _ in range(2))
    go_online(first, max_chats=1)
    go_online(second, max_chats=1)
    a, b, c = (start(department, f"v{n}@example.com") for n in range(3))
    assert {a.agent_id, b.agent_id} == {first.pk, second.pk}
    assert c.state == ConversationState.WAITING and c.agent_id is None
    chat_end(conversation_id=a.pk, side=Side.VISITOR)
    c.refresh_from_db()
    assert c.state == ConversationState.ACTIVE and c.agent_id == a.agent_id


def test_away_offline_or_silent_agents_get_no_chats(department) -> None:
    agent = MembershipFactory(department=department).agent
    chat_status_set(agent=agent, status="away")
    assert not department_is_staffed(department_id=department.pk)
    assert start(department).state == ConversationState.WAITING
    go_online(agent)
    ChatAgent.objects.filter(agent=agent).update(last_seen_at=timezone.now() - timedelta(hours=1))
    assert not department_is_staffed(department_id=department.pk)
    chat_status_set(agent=agent, status="online")  # comes back: takes the waiting chat
    assert agent.assigned_chats.filter(state=ConversationState.ACTIVE).count() == 1


def test_pick_from_the_waiting_list_and_transfer(department, other_department) -> None:
    agent = MembershipFactory(department=department).agent
    colleague = MembershipFactory(department=other_department).agent
    go_online(colleague)
    chat = start(department)
    assert chat.state == ConversationState.WAITING
    chat_pick(agent=agent, conversation_id=chat.pk)
    with pytest.raises(ApplicationError):
        chat_pick(agent=AgentFactory(), conversation_id=chat.pk)  # already taken
    moved = chat_transfer(actor=agent, conversation_id=chat.pk,
                          to_department_id=other_department.pk)
    assert (moved.department_id, moved.agent_id) == (other_department.pk, colleague.pk)
    back = chat_transfer(actor=colleague, conversation_id=chat.pk, to_agent=agent)
    assert back.agent_id == agent.pk
    bodies = list(back.messages.filter(side=Side.SYSTEM).values_list("body", flat=True))
    assert any("transferred" in b for b in bodies)


def test_convert_to_ticket_with_the_transcript_then_continue_it(department) -> None:
    agent = MembershipFactory(department=department).agent
    go_online(agent)
    chat = start(department, "deniz@example.com")
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, client_id="1",
                      body="My site is down")
    chat_message_post(conversation_id=chat.pk, side=Side.AGENT, author=agent, client_id="2",
                      body="Looking", is_internal=True)
    ticket = chat_convert_to_ticket(actor=agent, conversation_id=chat.pk)
    assert ticket.channel == Channel.CHAT and ticket.customer.email == "deniz@example.com"
    first = ticket.messages.get()
    assert "My site is down" in first.body_text and "Looking" in first.body_text
    assert chat_convert_to_ticket(actor=agent, conversation_id=chat.pk) == ticket  # no 2nd
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, client_id="3",
                      body="Still down")
    chat_end(conversation_id=chat.pk, side=Side.AGENT, actor=agent)
    assert Ticket.objects.count() == 1
    note = Message.objects.filter(ticket=ticket, is_internal=True).get()
    assert "Still down" in note.body_text and "My site is down" not in note.body_text


def test_an_offline_message_becomes_one_ticket(department) -> None:
    kwargs = {"name": "Elif", "email": "elif@example.com", "body": "Call me back\nplease",
              "department_id": department.pk, "language": "tr", "message_id": "off-1"}
    first = chat_offline_message(**kwargs)
    again = chat_offline_message(**kwargs)
    assert first.ticket == again.ticket and again.duplicate
    assert first.ticket.subject == "Call me back" and first.ticket.channel == Channel.CHAT


def test_the_transcript_goes_to_the_outbox_at_the_end_and_on_request(department) -> None:
    from destek.livechat.services.transcript import chat_transcript_send

    chat = chat_start(customer=None, name="Ayşe", email="ayse@example.com", topic="",
                      department_id=department.pk, language="tr")
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, client_id="1", body="Selam")
    chat.refresh_from_db()
    chat_transcript_send(conversation=chat, reason="request")
    chat_transcript_send(conversation=chat, reason="request")  # nothing new: one email
    assert OutboundEmail.objects.filter(kind="chat_transcript").count() == 1
    chat_end(conversation_id=chat.pk, side=Side.VISITOR)
    emails = OutboundEmail.objects.filter(kind="chat_transcript").order_by("pk")
    assert emails.count() == 2
    render_outbox()  # rendered by the delivery worker
    last = emails.last()
    assert last.recipients == ["ayse@example.com"]
    assert "Selam" in last.body_text and "canlı destek" in last.subject


def test_chat_files_pass_the_ticket_attachment_checks(department) -> None:
    chat = start(department)
    with pytest.raises(ApplicationError):
        chat_attachment_create(conversation=chat, side=Side.VISITOR,
                               file=InboundFile(name="run.exe", content=b"MZ"))
    ok = chat_attachment_create(conversation=chat, side=Side.VISITOR,
                                file=InboundFile(name="shot.png", content=b"\x89PNG"))
    posted = chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, client_id="f",
                               body="", attachment_id=ok.pk)
    assert posted.message.attachment == ok
    with pytest.raises(ApplicationError):  # the agent cannot send the visitor's file as theirs
        chat_message_post(conversation_id=chat.pk, side=Side.AGENT, client_id="g", body="",
                          attachment_id=ok.pk)
