"""The per-process options snapshot: what reloads it, and why a stale option is harmless."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from destek.accounts.factories import AgentFactory, CustomerFactory
from destek.accounts.models import Department, Role, User
from destek.desk import choices
from destek.tickets.models import CannedResponse

pytestmark = pytest.mark.django_db
QUEUE = reverse("desk:queue")


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root@destek.example", "pw"))
    return client


def test_a_department_added_in_the_admin_shows_at_once(agent_client, admin_client):
    agent_client.get(QUEUE)  # the snapshot is loaded
    response = admin_client.post(reverse("admin:accounts_department_add"), {
        "name": "Domains", "name_tr": "Alan adları", "email": "", "assignment_mode": "manual",
        "is_public": "on", "departmentmembership_set-TOTAL_FORMS": "0",
        "departmentmembership_set-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.text
    assert ">Domains</option>" in agent_client.get(QUEUE).text


def test_what_the_admin_saves_or_deletes_reloads_it(rf, agent, department):
    """Staff, departments (with their memberships inline) and canned responses: each admin
    write bumps the version; a new customer or a login, which no option shows, does not."""
    request = rf.post("/")
    version = choices.current_version()
    CustomerFactory()
    agent.is_available = False
    agent.save(update_fields=["is_available"])
    assert choices.current_version() == version
    agent.full_name = "Mehmet Renamed"
    admin.site.get_model_admin(User).save_model(request, agent, form=None, change=True)
    assert choices.current_version() != version
    version = choices.current_version()
    admin.site.get_model_admin(Department).delete_model(request, department)
    assert choices.current_version() != version
    version = choices.current_version()
    canned_admin = admin.site.get_model_admin(CannedResponse)
    canned_admin.delete_queryset(request, CannedResponse.objects.none())
    assert choices.current_version() != version


def test_canned_responses_follow_their_department(agent_client, ticket, other_department):
    agent_client.get(reverse("desk:ticket", args=[ticket.pk]))
    CannedResponse.objects.create(title="Everyone", body="For all")
    CannedResponse.objects.create(title="Billing only", body="x", department=other_department)
    CannedResponse.objects.create(title="Ours", body="Hi {customer_name}",
                                  department=ticket.department)
    choices.bump()  # as the admin, which writes them, does
    text = agent_client.get(reverse("desk:ticket", args=[ticket.pk])).text
    assert ">Everyone</option>" in text and ">Ours</option>" in text
    assert "Billing only" not in text
    assert 'data-body="Hi Deniz Müşteri"' in text


def test_a_stale_option_is_never_accepted(agent_client, agent, ticket):
    colleague = AgentFactory(full_name="Leaving Soon")
    assert ">Leaving Soon</option>" in agent_client.get(QUEUE).text
    # A change that bypasses save() (no signal): the page may show the option for a while…
    User.objects.filter(pk=colleague.pk).update(is_active=False)
    assert ">Leaving Soon</option>" in agent_client.get(QUEUE).text
    # …but the form that writes validates against the database.
    response = agent_client.post(reverse("desk:bulk"), {
        "ticket": [ticket.pk], "assignee": str(colleague.pk), "next": QUEUE})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Choose valid values for the change."]
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_it_expires_after_its_ttl(agent_client, agent, ticket, monkeypatch):
    agent_client.get(QUEUE)
    User.objects.filter(pk=agent.pk).update(full_name="Renamed Quietly")
    assert ">Renamed Quietly</option>" not in agent_client.get(QUEUE).text
    monkeypatch.setattr(choices, "SNAPSHOT_TTL", 0.0)
    assert ">Renamed Quietly</option>" in agent_client.get(QUEUE).text


def test_outsourced_agents_see_only_their_departments_and_colleagues(
        outsourced_client, outsourced, agent, department, other_department):
    from destek.accounts.factories import MembershipFactory

    teammate = AgentFactory(full_name="Teammate", role=Role.OUTSOURCED)
    MembershipFactory(department=other_department, agent=teammate)
    text = outsourced_client.get(QUEUE).text
    assert f'data-testid="queue-tab-department-{other_department.pk}"' in text
    assert f'data-testid="queue-tab-department-{department.pk}"' not in text
    assert ">Teammate</option>" in text
    assert f">{agent.display_name}</option>" not in text
