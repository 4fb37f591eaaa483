"""The chat settings (Settings → Live chat) take effect on every door: the widget's CORS, the
visitor's WebSocket handshake, the hours and the greeting; the environment stays the default
until they are saved; reading them costs a cache read, not a query."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import MembershipFactory
from destek.livechat import chat_settings
from destek.livechat.chat_settings import ChatConfig, chat_settings_update, current
from destek.livechat.models import ChatHours, Conversation
from destek.livechat.services.conversations import chat_start
from destek.livechat.tests.conftest import SHOP, go_online, visitor_socket

pytestmark = pytest.mark.django_db
ACME = "https://www.acme.example"


def save(**values) -> ChatConfig:  # type: ignore[no-untyped-def]
    defaults = {"allowed_origins": [ACME], "hours": ChatHours.ALWAYS, "weekly_hours": {},
                "time_zone": "UTC", "greeting_en": "", "greeting_tr": ""}
    return chat_settings_update(**{**defaults, **values})[0]


def start(origin: str):  # type: ignore[no-untyped-def]
    return Client().post("/chat/api/start", json.dumps({"email": "a@b.example"}),
                         content_type="application/json", headers={"Origin": origin})


def test_until_saved_the_environment_applies(settings) -> None:
    assert current().stored is False and current().allowed_origins == (SHOP,)
    settings.DESTEK_CHAT_OFFICE_HOURS_ONLY = True  # read at call time, not cached
    assert current().hours_mode == ChatHours.OFFICE


def test_a_saved_website_may_use_the_widget_and_a_removed_one_may_not(department) -> None:
    assert Client().get("/chat/api/config", headers={"Origin": ACME}).status_code == 403
    save(allowed_origins=[ACME])
    config = Client().get("/chat/api/config", headers={"Origin": ACME})
    assert config.status_code == 200 and config["Access-Control-Allow-Origin"] == ACME
    refused = start(SHOP)  # the environment's website, no longer listed
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused


def test_the_origin_check_costs_no_query_once_cached(department) -> None:
    save(allowed_origins=[ACME])
    Client().options("/chat/api/start", headers={"Origin": ACME})
    with CaptureQueriesContext(connection) as queries:
        preflight = Client().options("/chat/api/start", headers={"Origin": ACME})
    assert preflight.status_code == 204 and len(queries) == 0


def test_the_websocket_handshake_follows_the_saved_websites(department) -> None:
    go_online(MembershipFactory(department=department).agent)
    conversation = chat_start(customer=None, name="Ayşe", email="ayse@example.com", topic="",
                              department_id=department.pk, language="tr")
    save(allowed_origins=[ACME])

    async def scenario() -> None:
        refused, _code = await visitor_socket(conversation, origin=SHOP).connect()
        assert not refused
        chat_settings.forget()  # a cold cache: the handshake reads the row off the loop
        accepted = visitor_socket(conversation, origin=ACME)
        assert (await accepted.connect())[0]
        await accepted.disconnect()

    async_to_sync(scenario)()


def test_weekly_hours_close_the_chat_outside_them(department) -> None:
    go_online(MembershipFactory(department=department).agent)
    other_day = str((datetime.now(UTC).weekday() + 3) % 7)  # open then, never today
    save(hours=ChatHours.WEEKLY, weekly_hours={other_day: ["00:00", "00:00"]}, time_zone="UTC")
    data = Client().get("/chat/api/config", headers={"Origin": ACME}).json()
    assert data["online"] is False and data["offline_reason"] == "hours"
    refused = start(ACME)
    assert refused.status_code == 400 and not Conversation.objects.exists()
    save(hours=ChatHours.WEEKLY, weekly_hours={str(d): ["00:00", "00:00"] for d in range(7)})
    assert Client().get("/chat/api/config", headers={"Origin": ACME}).json()["online"] is True


def test_the_weekly_hours_are_read_in_their_time_zone() -> None:
    config = ChatConfig(stored=True, hours=ChatHours.WEEKLY, time_zone="Europe/Istanbul",
                        weekly_hours={"0": ["09:00", "18:00"]})
    monday_utc = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # 09:30 in Istanbul
    assert not config.is_closed(monday_utc)
    assert config.is_closed(monday_utc - timedelta(hours=1))  # 08:30 there
    assert config.is_closed(monday_utc + timedelta(days=1))  # Tuesday: no hours


def test_the_greeting_is_in_the_visitors_language(department) -> None:
    save(greeting_en="Hi! We answer within minutes.", greeting_tr="Merhaba! Hemen yanıtlarız.")
    client = Client()
    assert client.get("/chat/api/config?lang=en", headers={"Origin": ACME}).json()[
        "greeting"] == "Hi! We answer within minutes."
    assert client.get("/chat/api/config?lang=tr", headers={"Origin": ACME}).json()[
        "greeting"] == "Merhaba! Hemen yanıtlarız."
