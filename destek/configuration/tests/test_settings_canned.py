"""Settings → Canned responses: supervisors and admins manage shared ones and their own
personal ones; nobody sees another's personal ones; the desk offers what was saved at once."""

from __future__ import annotations

import pytest
from django.test import Client

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.audit.models import Action, AuditEvent
from destek.conftest import login
from destek.livechat.models import Conversation
from destek.livechat.services.conversations import chat_start
from destek.tickets.factories import open_ticket
from destek.tickets.models import CannedResponse

LIST = "/desk/settings/canned/"
NEW = "/desk/settings/canned/new/"


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(role=Role.ADMIN, full_name="Ada Admin")


@pytest.fixture
def supervisor(db: None) -> User:
    return AgentFactory(role=Role.SUPERVISOR, full_name="Sema Supervisor")


def chat(department, name: str) -> Conversation:
    return chat_start(customer=None, name=name, email="v@example.com", topic="Help",
                      department_id=department.pk, language="en")


def form(**values: str) -> dict[str, str]:
    return {"title": "Welcome", "body": "Hello {customer_name}, this is {agent_name}.",
            "language": "", "department": "", **values}


def test_customers_get_404_and_agents_only_read_shared_ones(customer, agent) -> None:
    shared = CannedResponse.objects.create(title="Shared", body="x")
    client = login(Client(), customer)
    for url in (LIST, NEW, f"/desk/settings/canned/{shared.pk}/",
                f"/desk/settings/canned/{shared.pk}/delete/"):
        assert client.get(url).status_code == 404
    assert client.post(NEW, form()).status_code == 404
    # An agent reads the shared one (no edit or delete link) but may not change it.
    client = login(Client(), agent)
    listing = client.get(LIST).content.decode()
    assert 'data-testid="canned-read-only">Shared<' in listing
    assert f"/desk/settings/canned/{shared.pk}/" not in listing
    for url in (f"/desk/settings/canned/{shared.pk}/",
                f"/desk/settings/canned/{shared.pk}/delete/"):
        assert client.get(url).status_code == 404
        assert client.post(url, form(title="Hijacked")).status_code == 404
    shared.refresh_from_db()
    assert shared.title == "Shared" and CannedResponse.objects.count() == 1


def test_a_supervisor_creates_a_shared_response_the_desk_inserts(supervisor, agent, customer,
                                                                department) -> None:
    client = login(Client(), supervisor)
    page = client.get(NEW).content.decode()
    assert "{customer_name}" in page and "{ticket_number}" in page  # the placeholders listed
    response = client.post(NEW, form())
    assert response.status_code == 302 and response["Location"] == LIST
    canned = CannedResponse.objects.get()
    assert canned.owner is None and canned.title == "Welcome"
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.actor == supervisor and event.detail["change"] == "added"
    assert event.target == f"tickets.cannedresponse:{canned.pk}"
    # The agent's reply box offers it at once, filled in for the ticket.
    ticket = open_ticket(customer=customer, department=department)
    desk = login(Client(), agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Welcome" in desk and "Hello Deniz Müşteri, this is Mehmet Agent." in desk


def test_personal_responses_are_their_owners_alone(supervisor, admin, agent, customer,
                                                  department) -> None:
    login(Client(), supervisor).post(NEW, form(title="My sign-off", personal="on"))
    mine = CannedResponse.objects.get()
    assert mine.owner == supervisor
    ticket = open_ticket(customer=customer, department=department)
    assert "My sign-off" in login(Client(), supervisor).get(
        f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "My sign-off" not in login(Client(), agent).get(
        f"/desk/tickets/{ticket.pk}/").content.decode()
    other = login(Client(), admin)
    assert "My sign-off" not in other.get(LIST).content.decode()
    assert other.get(f"/desk/settings/canned/{mine.pk}/").status_code == 404
    assert other.post(f"/desk/settings/canned/{mine.pk}/delete/").status_code == 404
    conversation = chat(department, "Visitor")
    assert login(Client(), agent).get(
        f"/desk/chat/{conversation.pk}/canned/{mine.pk}/").status_code == 404


def test_editing_and_deleting_are_audited_and_reach_the_desk(supervisor, agent, customer,
                                                            department) -> None:
    client = login(Client(), supervisor)
    client.post(NEW, form())
    canned = CannedResponse.objects.get()
    ticket = open_ticket(customer=customer, department=department)
    agent_client = login(Client(), agent)
    agent_client.get(f"/desk/tickets/{ticket.pk}/")  # the desk's lists are now cached
    edit = f"/desk/settings/canned/{canned.pk}/"
    assert client.get(edit).status_code == 200
    assert client.post(edit, form(title="Greeting", language="tr")).status_code == 302
    canned.refresh_from_db()
    assert (canned.title, canned.language) == ("Greeting", "tr")
    assert "Greeting" in agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    changed = AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).order_by("pk").last()
    assert changed.detail["fields"] == ["title", "language"]
    assert client.get(f"{edit}delete/").status_code == 200  # the confirmation
    assert client.post(f"{edit}delete/").status_code == 302
    assert not CannedResponse.objects.exists()
    assert "Greeting" not in agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert AuditEvent.objects.filter(detail__change="deleted").count() == 1


def test_errors_are_clear_and_nothing_is_saved(supervisor) -> None:
    response = login(Client(), supervisor).post(NEW, form(title="  ", body=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="field-error-title"' in page and 'data-testid="field-error-body"' in page
    assert not CannedResponse.objects.exists()


def test_the_chat_console_inserts_a_shared_response(supervisor, agent, department) -> None:
    login(Client(), supervisor).post(NEW, form())
    canned = CannedResponse.objects.get()
    conversation = chat(department, "Visitor Vera")
    response = login(Client(), agent).get(f"/desk/chat/{conversation.pk}/canned/{canned.pk}/")
    assert response.json()["body"] == "Hello Visitor Vera, this is Mehmet Agent."


def test_the_chat_console_lists_personal_responses_to_their_owner_only(supervisor,
                                                                       agent) -> None:
    login(Client(), supervisor).post(NEW, form(title="Sema's sign-off", personal="on"))
    login(Client(), supervisor).post(NEW, form(title="Shared hello"))
    mine = login(Client(), supervisor).get("/desk/chat/").content.decode()
    theirs = login(Client(), agent).get("/desk/chat/").content.decode()
    assert "Sema&#x27;s sign-off" in mine and "Shared hello" in mine
    assert "sign-off" not in theirs and "Shared hello" in theirs
