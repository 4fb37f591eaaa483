"""Settings → Canned responses for agents: every agent (outsourced ones too) keeps personal
canned responses and macros; shared ones are read-only to them; nobody sees another's."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import Role
from destek.conftest import login
from destek.tickets.factories import open_ticket
from destek.tickets.models import CannedResponse, Message, Status

LIST = "/desk/settings/canned/"
NEW = "/desk/settings/canned/new/"


def form(**values: str) -> dict[str, str]:
    return {"title": "Ask for the domain", "body": "Which domain, {customer_name}?",
            "language": "", "department": "", "set_status": "", "set_priority": "",
            "add_tags": "", "remove_tags": "", "set_assignee": "", "note": "", **values}


def test_an_agent_creates_a_personal_macro_and_applies_it_in_the_desk(agent, customer,
                                                                      department) -> None:
    client = login(Client(), agent)
    index = client.get("/desk/settings/").content.decode()
    # Settings shows the agent only the section they may open.
    assert 'data-testid="settings-nav-canned_responses"' in index
    assert "settings-nav-sla_policies" not in index and "settings-nav-people" not in index
    page = client.get(NEW).content.decode()
    assert 'data-testid="canned-personal-only"' in page and 'name="personal"' not in page
    # The form says shared; the agent's response is their own anyway.
    response = client.post(NEW, form(personal="", set_status=Status.PENDING,
                                     add_tags="needs-domain", set_assignee="me"))
    assert response.status_code == 302 and response["Location"] == LIST
    macro = CannedResponse.objects.get()
    assert macro.owner_id == agent.pk
    assert 'data-testid="canned-personal"' in client.get(LIST).content.decode()
    ticket = open_ticket(customer=customer, department=department)
    desk = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Ask for the domain" in desk  # the Macros picker offers it to its owner
    assert 'href="/desk/settings/canned/" data-testid="macro-manage"' in desk  # and back
    response = client.post(f"/desk/tickets/{ticket.pk}/macro/", {"macro": str(macro.pk)})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == (Status.PENDING, agent.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["needs-domain"]
    assert Message.objects.filter(ticket=ticket, body_text="Which domain, Deniz Müşteri?").exists()
    # The agent edits and deletes it.
    edit = f"/desk/settings/canned/{macro.pk}/"
    assert client.post(edit, form(title="Domain?")).status_code == 302
    macro.refresh_from_db()
    assert (macro.title, macro.owner_id) == ("Domain?", agent.pk)
    assert client.post(f"{edit}delete/").status_code == 302
    assert not CannedResponse.objects.exists()


def test_other_sections_stay_404_for_agents(agent) -> None:
    client = login(Client(), agent)
    for url in ("/desk/settings/departments/", "/desk/settings/sla/",
                "/desk/settings/hours/", "/desk/settings/people/"):
        assert client.get(url).status_code == 404
    assert 'data-testid="nav-my-canned"' in client.get("/desk/").content.decode()


def test_another_agents_personal_macro_is_404(agent, customer, department) -> None:
    colleague = AgentFactory(full_name="Ceren Colleague")
    theirs = CannedResponse.objects.create(title="Ceren's own", body="x", owner=colleague,
                                           set_status=Status.PENDING)
    client = login(Client(), agent)
    assert "Ceren's own" not in client.get(LIST).content.decode()
    url = f"/desk/settings/canned/{theirs.pk}/"
    for target in (url, f"{url}delete/"):
        assert client.get(target).status_code == 404
        assert client.post(target, form()).status_code == 404
    ticket = open_ticket(customer=customer, department=department)
    assert "Ceren's own" not in client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    response = client.post(f"/desk/tickets/{ticket.pk}/macro/", {"macro": str(theirs.pk)})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status != Status.PENDING
    theirs.refresh_from_db()
    assert theirs.title == "Ceren's own" and theirs.usage_count == 0


def test_an_outsourced_agent_sees_only_their_departments_shared_ones(
        outsourced, department, other_department) -> None:
    CannedResponse.objects.create(title="For everyone", body="x")
    CannedResponse.objects.create(title="Billing only", body="x", department=other_department)
    CannedResponse.objects.create(title="Technical only", body="x", department=department)
    client = login(Client(), outsourced)
    listing = client.get(LIST).content.decode()
    assert "For everyone" in listing and "Billing only" in listing
    assert "Technical only" not in listing
    # Their form offers only their departments, and the service refuses the others.
    page = client.get(NEW).content.decode()
    assert f'value="{other_department.pk}"' in page and f'value="{department.pk}"' not in page
    assert client.post(NEW, form(department=str(department.pk))).status_code == 400
    assert client.post(NEW, form(department=str(other_department.pk))).status_code == 302
    assert CannedResponse.objects.get(title="Ask for the domain").owner_id == outsourced.pk


def test_an_agents_macro_assigns_only_to_colleagues_they_may_hand_work_to(
        outsourced, agent, other_department) -> None:
    teammate = AgentFactory(full_name="Tuna Teammate")
    MembershipFactory(department=other_department, agent=teammate)
    client = login(Client(), outsourced)
    page = client.get(NEW).content.decode()
    assert "Tuna Teammate" in page and "Mehmet Agent" not in page
    assert client.post(NEW, form(set_assignee=str(agent.pk))).status_code == 400
    assert not CannedResponse.objects.exists()
    assert client.post(NEW, form(set_assignee=str(teammate.pk))).status_code == 302
    assert CannedResponse.objects.get().set_assignee == str(teammate.pk)
    # An agent in every department may name any colleague, as in the desk.
    response = login(Client(), agent).post(NEW, form(title="To Tuna",
                                                     set_assignee=str(teammate.pk)))
    assert response.status_code == 302


def test_a_supervisor_still_shares_responses(department) -> None:
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    client = login(Client(), supervisor)
    assert 'name="personal"' in client.get(NEW).content.decode()
    assert client.post(NEW, form()).status_code == 302
    assert CannedResponse.objects.get().owner_id is None


def test_the_agents_list_takes_a_fixed_number_of_queries(agent) -> None:
    client = login(Client(), agent)
    CannedResponse.objects.create(title="mine", body="x", owner=agent, set_assignee="me")
    CannedResponse.objects.create(title="shared", body="x", set_assignee=str(agent.pk))
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    for i in range(5):
        CannedResponse.objects.create(title=f"s{i}", body="x",
                                      set_assignee=str(AgentFactory().pk))
        CannedResponse.objects.create(title=f"p{i}", body="x", owner=agent)
    with CaptureQueriesContext(connection) as big:
        page = client.get(LIST).content.decode()
    assert len(big.captured_queries) == len(small.captured_queries)
    assert "p4" in page and "s4" in page
