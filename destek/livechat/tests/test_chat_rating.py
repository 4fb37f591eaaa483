"""Rating a chat at its end from the widget: the conversation token proves who answers
(anonymous or signed in), only once it has ended, one rating per chat, the handling agent
recorded, the scale from Settings → Feedback."""

from __future__ import annotations

import pytest
from django.test import Client

from destek.feedback import recovery
from destek.feedback.models import FeedbackSettings, Rating, RatingScale, RatingSource
from destek.livechat.models import Conversation, ConversationState
from destek.livechat.services.conversations import chat_end, chat_start
from destek.livechat.tests.conftest import SHOP
from destek.livechat.tests.test_views import post_json
from destek.livechat.tokens import visitor_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(department, agent) -> Conversation:  # type: ignore[no-untyped-def]
    chat = chat_start(customer=None, name="Can", email="can@example.com", topic="DNS",
                      department_id=department.pk, language="tr")
    Conversation.objects.filter(pk=chat.pk).update(agent=agent)
    return chat_end(conversation_id=chat.pk, side="visitor")


def test_the_widget_is_told_the_scale(department) -> None:
    choices = Client().get("/chat/api/config?lang=tr", headers={"Origin": SHOP}).json()
    assert [c["score"] for c in choices["rating_choices"]] == [5, 3, 1]
    assert choices["rating_choices"][0]["label"] == "İyi"
    assert choices["strings"]["rate_title"] == "Nasıl yardımcı olduk?"
    FeedbackSettings.objects.update(scale=RatingScale.FIVE)
    choices = Client().get("/chat/api/config", headers={"Origin": SHOP}).json()
    assert [c["score"] for c in choices["rating_choices"]] == [5, 4, 3, 2, 1]


def test_an_anonymous_visitor_rates_an_ended_chat_once(ended, agent, monkeypatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(recovery, "rating_recorded",
                        lambda rating, *, created: calls.append(created))
    client = Client()
    data = {"token": visitor_token(ended.public_id), "score": 1, "comment": "Slow",
            "complaint": True}
    assert post_json(client, "/chat/api/rate", data).status_code == 201
    assert post_json(client, "/chat/api/rate", data).status_code == 201  # a double click
    rating = Rating.objects.get()
    assert (rating.conversation_id, rating.ticket_id, rating.customer_id, rating.agent_id,
            rating.score, rating.comment, rating.is_complaint, rating.source) == (
        ended.pk, None, None, agent.pk, 1, "Slow", True, RatingSource.CHAT)
    assert calls == [True]


def test_refused_before_the_end_with_a_bad_token_or_a_bad_score(department) -> None:
    chat = chat_start(customer=None, name="", email="x@example.com", topic="",
                      department_id=department.pk, language="en")
    client = Client()
    token = visitor_token(chat.public_id)
    early = post_json(client, "/chat/api/rate", {"token": token, "score": 5})
    assert early.status_code == 400 and "once it has ended" in early.json()["error"]
    assert post_json(client, "/chat/api/rate", {"token": token + "x", "score": 5}) \
        .status_code == 404
    Conversation.objects.filter(pk=chat.pk).update(state=ConversationState.ENDED)
    wrong = post_json(client, "/chat/api/rate", {"token": token, "score": 2})
    assert wrong.status_code == 400 and "choose one of the answers" in wrong.json()["error"]
    assert not Rating.objects.exists()
