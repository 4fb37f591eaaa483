"""The widget's HTTP doors (CORS, start, offline, upload) and the desk pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from destek.accounts.factories import AgentFactory, CustomerFactory, MembershipFactory
from destek.accounts.models import Role
from destek.livechat.models import ChatMessage, Conversation, Side
from destek.livechat.services.conversations import chat_start
from destek.livechat.services.messages import chat_message_post
from destek.livechat.tests.conftest import SHOP, go_online
from destek.livechat.tokens import visitor_token
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, data: dict, origin: str = SHOP):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json",
                       headers={"Origin": origin})


def test_config_says_who_is_online_in_the_visitors_language(department) -> None:
    client = Client()
    response = client.get("/chat/api/config?lang=tr", headers={"Origin": SHOP})
    data = response.json()
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert data["online"] is False and data["suggestions_url"] == "/chat/api/suggestions"
    assert data["departments"][0]["name"] == "Teknik destek"
    go_online(MembershipFactory(department=department).agent)
    assert client.get("/chat/api/config").json()["online"] is True


def test_other_websites_are_refused(department) -> None:
    response = post_json(Client(), "/chat/api/start", {"email": "a@b.example"},
                         origin="https://evil.example")
    assert response.status_code == 403 and "Access-Control-Allow-Origin" not in response
    preflight = Client().options("/chat/api/start", headers={"Origin": SHOP})
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == SHOP


def test_start_gives_a_token_and_bad_input_a_clear_error(department) -> None:
    client = Client()
    bad = post_json(client, "/chat/api/start", {"email": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    assert client.post("/chat/api/start", "[", content_type="application/json",
                       headers={"Origin": SHOP}).status_code == 400
    ok = post_json(client, "/chat/api/start", {"name": "Ali", "email": "ali@example.com",
                                               "department": department.pk})
    assert ok.status_code == 201 and ok.json()["token"]
    assert Conversation.objects.get().visitor_email == "ali@example.com"


def test_a_signed_in_portal_customer_is_recognised_on_destek_itself(department, customer) -> None:
    client = Client()
    client.force_login(customer)
    assert client.get("/chat/api/config").json()["customer"]["email"] == customer.email
    response = client.post("/chat/api/start", "{}", content_type="application/json")
    assert response.status_code == 201
    assert Conversation.objects.get().customer == customer
    # Across origins the session is never used.
    assert client.get("/chat/api/config", headers={"Origin": SHOP}).json()["customer"] is None


def test_offline_message_and_upload(department) -> None:
    client = Client()
    data = {"name": "Can", "email": "can@example.com", "body": "Hello?", "client_id": "w-1"}
    assert post_json(client, "/chat/api/offline", data).status_code == 201
    assert post_json(client, "/chat/api/offline", data).json()["duplicate"] is True
    assert Ticket.objects.count() == 1
    chat = chat_start(customer=None, name="", email="x@example.com", topic="",
                      department_id=department.pk, language="en")
    token = visitor_token(chat.public_id)
    refused = client.post("/chat/api/upload", {"token": token, "file": SimpleUploadedFile(
        "x.exe", b"MZ")}, headers={"Origin": SHOP})
    assert refused.status_code == 400
    stored = client.post("/chat/api/upload", {"token": token, "file": SimpleUploadedFile(
        "log.txt", b"error")}, headers={"Origin": SHOP})
    assert stored.status_code == 201
    file_id = stored.json()["id"]
    assert client.get(f"/chat/api/files/{file_id}/?token={token}").status_code == 200
    other = chat_start(customer=None, name="", email="y@example.com", topic="",
                       department_id=department.pk, language="en")
    assert client.get(f"/chat/api/files/{file_id}/?token="
                      f"{visitor_token(other.public_id)}").status_code == 404


def test_widget_script_is_served() -> None:
    response = Client().get("/chat/widget.js")
    assert response.status_code == 200 and b"destek-chat" in response.content


def test_console_side_panel_history_and_supervision(department, customer) -> None:
    agent = MembershipFactory(department=department).agent
    go_online(agent)
    chat = chat_start(customer=customer, name="", email="", topic="DNS",
                      department_id=department.pk, language="en")
    chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, client_id="1",
                      body="nameservers wrong")
    client = Client()
    client.force_login(agent)
    assert client.get("/desk/chat/").status_code == 200
    side = client.get(f"/desk/chat/{chat.pk}/side/")
    assert customer.email in side.content.decode()
    found = client.get("/desk/chat/history/?q=nameservers")
    assert chat.display_name in found.content.decode()
    assert client.get("/desk/chat/history/?q=zzz-nothing").content.decode().count(
        f"/desk/chat/{chat.pk}/") == 0
    assert client.get("/desk/chat/supervisor/").status_code == 404  # agents are not supervisors
    boss = AgentFactory(role=Role.SUPERVISOR)
    client.force_login(boss)
    page = client.get("/desk/chat/supervisor/")
    assert page.status_code == 200 and chat.display_name in page.content.decode()
    response = client.post(f"/desk/chat/{chat.pk}/ticket/")
    assert response.status_code == 200 and Ticket.objects.filter(pk=response.json()["ticket"])
    customer_client = Client()
    customer_client.force_login(customer)
    assert customer_client.get("/desk/chat/").status_code == 404
    assert ChatMessage.objects.filter(conversation=chat).exists()


def test_knowledge_base_suggestions_give_visitors_public_articles_only(department) -> None:
    from destek.kb.factories import make_article
    from destek.kb.models import ArticleStatus, Audience

    body = "Restart PHP-FPM from the control panel when the site answers with error 502."
    public = make_article(title="Fixing a 502 Bad Gateway error", body=body)
    make_article(title="502 errors: customers' runbook", body=body, audience=Audience.CUSTOMERS)
    make_article(title="502 errors: internal escalation", body=body, audience=Audience.INTERNAL)
    make_article(title="502 errors: draft", body=body, status=ArticleStatus.DRAFT)
    make_article(title="502 hatası nasıl düzelir", body=body, language="tr")

    def titles(client: Client, origin: str = SHOP) -> list[str]:
        response = client.get("/chat/api/suggestions?lang=en&q=my+site+shows+error+502",
                              headers={"Origin": origin})
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == origin
        results = response.json()["results"]
        assert all(r["url"].startswith("http://testserver/kb/en/") for r in results), results
        return [r["title"] for r in results]

    assert titles(Client()) == [public.title]
    # Cookies never count across origins: a signed-in agent's browser on the shop's page is
    # still an anonymous visitor there.
    agent_client = Client()
    agent_client.force_login(AgentFactory())
    assert titles(agent_client) == [public.title]
    # A signed-in customer on Destek's own pages (no Origin: same origin) reads customers'
    # articles too, as in the portal; never agents' internal ones.
    customer_client = Client()
    customer_client.force_login(CustomerFactory())
    seen = customer_client.get("/chat/api/suggestions?lang=en&q=my+site+shows+error+502")
    assert {r["title"] for r in seen.json()["results"]} == {
        public.title, "502 errors: customers' runbook"}
    assert Client().get("/chat/api/suggestions?q=502",
                        headers={"Origin": "https://evil.example"}).status_code == 403
    assert Client().get("/chat/api/suggestions?q=a",
                        headers={"Origin": SHOP}).json() == {"results": []}


def test_outside_office_hours_the_widget_takes_a_message(department, settings) -> None:
    from destek.sla.configuration import sla_config_changed
    from destek.sla.models.config import BusinessCalendar

    go_online(MembershipFactory(department=department).agent)
    # An office open one minute a week, on a weekday that is not today: closed now.
    BusinessCalendar.objects.update(is_office_hours=False)
    office = BusinessCalendar.objects.create(name="Rarely open", is_office_hours=True,
                                             timezone="UTC")
    office.hours.create(weekday=(datetime.now(UTC).weekday() + 3) % 7,
                        start=time(9, 0), end=time(9, 1))
    sla_config_changed(reason="test: office closed")
    client = Client()
    assert client.get("/chat/api/config").json()["online"] is True  # the rule is off
    settings.DESTEK_CHAT_OFFICE_HOURS_ONLY = True
    data = client.get("/chat/api/config?lang=tr", headers={"Origin": SHOP}).json()
    assert data["online"] is False and data["offline_reason"] == "hours"
    assert data["strings"]["hours_title"] != "We are outside our office hours"  # Turkish
    refused = post_json(client, "/chat/api/start", {"email": "a@b.example"})
    assert refused.status_code == 400 and not Conversation.objects.exists()


@pytest.mark.parametrize(("url", "field"), [
    ("/chat/api/start", "name"), ("/chat/api/start", "topic"),
    ("/chat/api/start", "page_url"), ("/chat/api/offline", "body"),
    ("/chat/api/offline", "name"),
])
@pytest.mark.parametrize("odd", ["\ud800", "a\udfffb", "nul\x00"])
def test_text_no_database_can_store_is_a_clear_400(department, url: str, field: str,
                                                   odd: str) -> None:
    """Issue 12, hole 3: a lone surrogate in the start form or the offline message was a 500
    (a NUL too, on PostgreSQL)."""
    data = {"name": "Ali", "email": "ali@example.com", "body": "Hello?", "client_id": "w-9",
            "department": department.pk, field: odd}
    # json.dumps escapes the lone surrogate as \\ud800, as a browser's JSON.stringify does.
    response = post_json(Client(), url, data)
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert not Conversation.objects.exists() and not Ticket.objects.exists()
