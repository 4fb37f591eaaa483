"""The delivery path's cost and its guarantees together: an ordinary message is one short
transaction on every database, retries get one message, ended chats a clear error, and every
receiver a copy of the stored message (published after the commit, from the loop).

transaction=True: messages are posted outside any transaction, as in the consumers.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import MembershipFactory
from destek.core.errors import ApplicationError
from destek.livechat import events
from destek.livechat.models import ChatMessage, Conversation, Side
from destek.livechat.services.conversations import chat_end, chat_start
from destek.livechat.services.messages import chat_message_post
from destek.livechat.tests.conftest import go_online

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conversation(db) -> Conversation:  # type: ignore[no-untyped-def]
    membership = MembershipFactory()
    go_online(membership.agent)
    return chat_start(customer=None, name="Ayşe Yılmaz", email="ayse@example.com", topic="",
                      department_id=membership.department_id, language="tr")


def test_a_message_is_stored_with_its_seq_and_announced_with_its_copy(
        conversation: Conversation) -> None:
    before = Conversation.objects.get(pk=conversation.pk).last_seq
    post = events.collecting(chat_message_post)
    with CaptureQueriesContext(connection) as queries:
        posted, collected = post(conversation_id=conversation.pk, side=Side.VISITOR,
                                 body=" Sunucum yanıt vermiyor ", client_id="c-1")
    # One way on every database: begin, lock the chat, look for the client id, count, store,
    # commit.
    assert len(queries) == 6, [q["sql"] for q in queries]
    assert posted.message.seq == before + 1 and not posted.duplicate
    stored = ChatMessage.objects.get(pk=posted.message.pk)
    assert (stored.seq, stored.body, stored.side, stored.client_id) == (
        before + 1, "Sunucum yanıt vermiyor", Side.VISITOR, "c-1")
    assert Conversation.objects.get(pk=conversation.pk).last_seq == before + 1
    # Collected, not sent: the consumer sends it from the event loop.
    [(group, event)] = collected
    assert group == events.conversation_group(conversation.pk)
    assert event["seq"] == before + 1
    assert event["message"]["body"] == "Sunucum yanıt vermiyor"
    assert event["message"]["name"] == "Ayşe Yılmaz"
    assert event["message"]["client_id"] == "c-1"


def test_retries_are_idempotent_and_ended_chats_refused(
        conversation: Conversation) -> None:
    first = chat_message_post(conversation_id=conversation.pk, side=Side.VISITOR, body="bir",
                              client_id="same")
    again = chat_message_post(conversation_id=conversation.pk, side=Side.VISITOR, body="bir",
                              client_id="same")
    assert again.duplicate and again.message.pk == first.message.pk
    after = chat_message_post(conversation_id=conversation.pk, side=Side.VISITOR, body="iki",
                              client_id="next")
    assert after.message.seq == first.message.seq + 1  # the retry took no seq
    assert ChatMessage.objects.filter(conversation=conversation, client_id="same").count() == 1
    chat_end(conversation_id=conversation.pk, side=Side.VISITOR)
    with pytest.raises(ApplicationError):
        chat_message_post(conversation_id=conversation.pk, side=Side.VISITOR, body="üç",
                          client_id="late")
    assert not ChatMessage.objects.filter(client_id="late").exists()
    with pytest.raises(Conversation.DoesNotExist):
        chat_message_post(conversation_id=conversation.pk + 1000, side=Side.VISITOR,
                          body="kimse yok", client_id="nowhere")
