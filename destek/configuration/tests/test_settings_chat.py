"""Settings → Live chat: admins only, the embed snippet, clear errors, audited saves."""

from __future__ import annotations

import pytest
from django.test import Client

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.audit.models import Action, AuditEvent
from destek.conftest import login
from destek.livechat.chat_settings import current
from destek.livechat.models import ChatHours

URL = "/desk/settings/chat/"


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(role=Role.ADMIN, full_name="Ada Admin")


def form(**values: str) -> dict[str, str]:
    data = {"allowed_origins": "https://www.acme.example", "hours": "always",
            "time_zone": "Europe/Istanbul", "greeting_en": "", "greeting_tr": ""}
    return {**data, **values}


def test_customers_agents_and_supervisors_get_404(customer, agent) -> None:
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    for person in (customer, agent, supervisor):
        client = login(Client(), person)
        assert client.get(URL).status_code == 404
        assert client.post(URL, form()).status_code == 404
    assert current().stored is False


def test_the_page_starts_from_the_environment_and_shows_the_snippet(admin, settings) -> None:
    settings.DESTEK_CHAT_ALLOWED_ORIGINS = ["https://shop.example"]
    page = login(Client(), admin).get(URL).content.decode()
    assert "https://shop.example</textarea>" in page
    assert ('&lt;script src=&quot;http://testserver/chat/widget.js&quot; async&gt;'
            '&lt;/script&gt;') in page
    assert 'data-testid="chat-from-environment"' in page


def test_an_admin_saves_websites_hours_and_greeting(admin) -> None:
    client = login(Client(), admin)
    response = client.post(URL, form(
        allowed_origins="www.acme.example\nhttps://Shop.Example:8443/contact\n\n"
                        "https://www.acme.example:443/\nhttp://[::1]:8000",
        hours="weekly", day0_open="on", day0_start="09:00", day0_end="18:00",
        day5_open="on", day5_start="10:00", day5_end="00:00",
        greeting_en="Hello there", greeting_tr="Merhaba"))
    assert response.status_code == 302 and response["Location"] == URL
    config = current()
    assert config.allowed_origins == ("https://www.acme.example", "https://shop.example:8443",
                                      "http://[::1]:8000")
    assert config.hours_mode == ChatHours.WEEKLY and config.time_zone == "Europe/Istanbul"
    assert config.weekly_hours == {"0": ["09:00", "18:00"], "5": ["10:00", "00:00"]}
    assert config.greeting("tr") == "Merhaba"
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.actor == admin and event.target == "livechat.chatsettings:1"
    assert "allowed_origins" in event.detail["fields"]
    page = client.get(URL).content.decode()
    assert 'data-testid="chat-from-environment"' not in page and "Hello there" in page


@pytest.mark.parametrize("values, field", [
    ({"allowed_origins": "ftp://files.example"}, "allowed_origins"),
    ({"allowed_origins": "*"}, "allowed_origins"),
    ({"allowed_origins": "https://user:pw@acme.example"}, "allowed_origins"),
    ({"hours": "weekly"}, "hours"),
    ({"hours": "weekly", "day1_open": "on", "day1_start": "18:00", "day1_end": "09:00"},
     "day1_end"),
    ({"hours": "sometimes"}, "hours"),
])
def test_errors_are_clear_and_nothing_is_saved(admin, values, field) -> None:
    response = login(Client(), admin).post(URL, form(**values))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="form-errors"' in page
    if not field.startswith("day"):
        assert f'data-testid="field-error-{field}"' in page
    assert current().stored is False
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()
