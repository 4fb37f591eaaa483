"""Settings → Canned responses as macros: the form's actions, the list's one-sentence summary
and usage count, a macro without text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.conftest import login
from destek.tickets.models import CannedResponse, Priority, Status

LIST = "/desk/settings/canned/"
NEW = "/desk/settings/canned/new/"


@pytest.fixture
def supervisor(db: None) -> User:
    return AgentFactory(role=Role.SUPERVISOR, full_name="Sema Supervisor")


def form(**values: str) -> dict[str, str]:
    return {"title": "Ask for the domain and pend", "body": "Which domain, {customer_name}?",
            "language": "", "department": "", "set_status": "", "set_priority": "",
            "add_tags": "", "remove_tags": "", "set_assignee": "", "note": "", **values}


def test_a_supervisor_saves_a_macro_and_the_list_says_what_it_does(supervisor, agent) -> None:
    client = login(Client(), supervisor)
    page = client.get(NEW).content.decode()
    assert 'data-testid="macro-fields"' in page and "The agent applying it" in page
    response = client.post(NEW, form(set_status=Status.PENDING, set_priority=str(Priority.HIGH),
                                     add_tags="Needs-Domain, web", remove_tags="triage",
                                     set_assignee=str(agent.pk), note="Asked for the domain."))
    assert response.status_code == 302
    canned = CannedResponse.objects.get()
    assert (canned.set_status, canned.set_priority, canned.add_tags, canned.remove_tags,
            canned.set_assignee, canned.note) == (
        Status.PENDING, Priority.HIGH, "needs-domain, web", "triage", str(agent.pk),
        "Asked for the domain.")
    CannedResponse.objects.filter(pk=canned.pk).update(usage_count=7)
    listing = client.get(LIST).content.decode()
    assert ("Sends the reply, sets the status to Pending customer, sets the priority to High, "
            "adds the tags needs-domain, web, removes the tags triage, assigns the ticket to "
            "Mehmet Agent, adds an internal note.") in listing
    assert 'data-testid="canned-usage">7<' in listing
    # Editing shows what was saved.
    edit = client.get(f"/desk/settings/canned/{canned.pk}/").content.decode()
    assert 'value="needs-domain, web"' in edit and "Asked for the domain." in edit


def test_text_is_needed_only_without_actions(supervisor) -> None:
    client = login(Client(), supervisor)
    response = client.post(NEW, form(body=""))
    assert response.status_code == 400 and 'data-testid="field-error-body"' in (
        response.content.decode())
    assert not CannedResponse.objects.exists()
    response = client.post(NEW, form(body="", title="Spam", add_tags="spam",
                                     set_status=Status.CLOSED))
    assert response.status_code == 302
    assert CannedResponse.objects.get().body == ""
    assert "Text only" not in client.get(LIST).content.decode()


def test_an_unknown_assignee_choice_is_refused(supervisor) -> None:
    response = login(Client(), supervisor).post(NEW, form(set_assignee="everyone"))
    assert response.status_code == 400
    assert not CannedResponse.objects.exists()


def test_the_list_names_assignees_in_one_query(supervisor) -> None:
    client = login(Client(), supervisor)
    CannedResponse.objects.create(title="a", body="x", set_assignee=str(supervisor.pk))
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    for i in range(5):
        CannedResponse.objects.create(title=f"m{i}", body="x",
                                      set_assignee=str(AgentFactory().pk))
    with CaptureQueriesContext(connection) as big:
        page = client.get(LIST).content.decode()
    assert len(big.captured_queries) == len(small.captured_queries)
    assert "Sema Supervisor" in page
