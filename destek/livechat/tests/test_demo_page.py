"""/chat/demo/: the widget on Destek's own page works with no allowed websites configured."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from destek.livechat.models import Conversation

pytestmark = pytest.mark.django_db


def test_the_demo_page_embeds_the_widget_in_the_pages_language(client: Client,
                                                                settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["testserver"]
    client.cookies["django_language"] = "tr"
    page = client.get("/chat/demo/").content.decode()
    assert '<script src="/chat/widget.js" data-lang="tr" async></script>' in page
    assert '&lt;script src=&quot;http://testserver/chat/widget.js&quot; async&gt;' in page
    assert "Sohbet penceresi tanıtımı" in page


def test_the_widget_starts_a_chat_from_destek_s_own_origin_without_configuration(
        client: Client, department, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DESTEK_CHAT_ALLOWED_ORIGINS = []
    own = {"Origin": "http://testserver"}
    assert client.get("/chat/api/config", headers=own).status_code == 200
    response = client.post("/chat/api/start", json.dumps(
        {"name": "Jane", "email": "jane@example.com", "topic": "Hello",
         "department": department.pk}), content_type="application/json", headers=own)
    assert response.status_code == 201, response.content
    assert Conversation.objects.filter(visitor_email="jane@example.com").exists()
    other = client.post("/chat/api/start", json.dumps({"email": "x@example.com"}),
                        content_type="application/json",
                        headers={"Origin": "http://elsewhere.example"})
    assert other.status_code == 403
