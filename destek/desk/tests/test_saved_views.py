"""The queue's saved-view tabs: saved from the current filters, counted lazily and capped,
renamed and deleted by whoever may change them."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.desk.views.saved_views import COUNT_CAP
from destek.queues.models import SavedView
from destek.queues.saved_views import saved_view_create
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

TABS_QUERIES = 2  # user, views; then one capped count per view not counted lately


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()


def test_save_this_view_keeps_the_current_filters(agent_client, agent):
    response = agent_client.post(reverse("desk:saved_view_new"), {
        "name": "Urgent", "query": "queue=all&priority=4&cursor=xyz"})
    view = SavedView.objects.get(owner=agent)
    assert (view.name, view.query, view.shared) == ("Urgent", "priority=4&queue=all", False)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:queue") + "?priority=4&queue=all"


def test_an_agent_cannot_share_a_view(agent_client, agent):
    agent_client.post(reverse("desk:saved_view_new"),
                      {"name": "All of us", "query": "queue=all", "shared": "on"})
    assert not SavedView.objects.exists()


def test_a_supervisor_shares_one(agent, agent_client):
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    client = Client()
    client.force_login(supervisor)
    client.post(reverse("desk:saved_view_new"),
                {"name": "Team", "query": "queue=unassigned", "shared": "on"})
    view = SavedView.objects.get()
    assert view.shared
    tabs = agent_client.get(reverse("desk:saved_view_tabs")).content.decode()
    assert f'data-testid="saved-view-{view.pk}"' in tabs
    assert "saved-view-edit-toggle" not in agent_client.get(
        reverse("desk:saved_view_tabs"), {"queue": "unassigned"}).content.decode()
    assert agent_client.post(reverse("desk:saved_view_delete", args=[view.pk])).status_code == 404
    assert SavedView.objects.exists()


def test_tabs_show_a_capped_count_and_mark_the_current_view(agent_client, agent, customer,
                                                            department, django_assert_num_queries):
    url = reverse("desk:saved_view_tabs")
    agent_client.get(url)  # the session, into its cache
    for i in range(3):
        open_ticket(customer=customer, department=department, subject=f"Disk {i}")
    view = saved_view_create(actor=agent, name="Open", query="queue=open")
    other = saved_view_create(actor=agent, name="Mine", query="queue=mine")
    with django_assert_num_queries(TABS_QUERIES + 2):
        page = agent_client.get(url, {"queue": "open", "cursor": "abc"}).content.decode()
    assert f'data-testid="saved-view-count-{view.pk}" title="Tickets in this view">3<' in page
    assert f'data-testid="saved-view-count-{other.pk}" title="Tickets in this view">0<' in page
    assert page.count('aria-current="page"') == 1
    assert "saved-view-edit-toggle" in page
    # Counted lately: the counts come from the cache.
    with django_assert_num_queries(TABS_QUERIES):
        agent_client.get(url)


def test_a_count_past_the_cap_reads_99_plus(agent_client, agent, monkeypatch):
    monkeypatch.setattr("destek.desk.views.saved_views.ticket_queue_count",
                        lambda **kwargs: kwargs["cap"])
    view = saved_view_create(actor=agent, name="Busy", query="queue=all")
    page = agent_client.get(reverse("desk:saved_view_tabs")).content.decode()
    assert f'data-testid="saved-view-count-{view.pk}" title="Tickets in this view">99+<' in page
    assert COUNT_CAP == 100


def test_rename_and_delete(agent_client, agent):
    view = saved_view_create(actor=agent, name="Old", query="queue=mine")
    response = agent_client.post(reverse("desk:saved_view_rename", args=[view.pk]),
                                 {"name": "New"})
    assert response["Location"] == reverse("desk:queue") + "?queue=mine"
    view.refresh_from_db()
    assert view.name == "New"
    agent_client.post(reverse("desk:saved_view_rename", args=[view.pk]), {"name": " "})
    view.refresh_from_db()
    assert view.name == "New"
    agent_client.post(reverse("desk:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_someone_elses_view_is_not_found(agent_client, agent):
    stranger = AgentFactory()
    view = saved_view_create(actor=stranger, name="Private", query="queue=mine")
    assert agent_client.post(reverse("desk:saved_view_rename", args=[view.pk]),
                             {"name": "Mine"}).status_code == 404
    assert f"saved-view-{view.pk}" not in agent_client.get(
        reverse("desk:saved_view_tabs")).content.decode()


def test_customers_get_404(customer_client):
    assert customer_client.get(reverse("desk:saved_view_tabs")).status_code == 404
    assert customer_client.post(reverse("desk:saved_view_new"),
                                {"name": "x", "query": ""}).status_code == 404


def test_the_queue_page_loads_the_tabs_after_itself(agent_client):
    page = agent_client.get(reverse("desk:queue"), {"queue": "all"}).content.decode()
    assert 'hx-get="/desk/views/tabs/?queue=all"' in page
    assert 'data-testid="save-view-form"' in page
    assert 'name="query" value="queue=all"' in page


def test_a_shared_views_count_is_the_viewers_queue(outsourced_client, customer, department,
                                                   other_department):
    # The supervisor sees both tickets; the outsourced agent only their department's.
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    open_ticket(customer=customer, department=department)
    open_ticket(customer=customer, department=other_department)
    view = saved_view_create(actor=supervisor, name="All", query="queue=all", shared=True)
    page = outsourced_client.get(reverse("desk:saved_view_tabs")).content.decode()
    assert f'data-testid="saved-view-count-{view.pk}" title="Tickets in this view">1<' in page


def test_the_current_views_tab_is_found_however_the_url_spells_it(agent_client, agent):
    # The filter form sends its defaults (queue=open, sort=updated); a link may leave them out.
    view = saved_view_create(actor=agent, name="Disk", query="q=disk&queue=open&sort=updated")
    page = agent_client.get(reverse("desk:saved_view_tabs"), {"q": "disk"}).content.decode()
    assert f'data-testid="saved-view-{view.pk}" data-saved-view-name="Disk" aria-current="page"' \
        in page
    page = agent_client.get(reverse("desk:saved_view_tabs"), {"q": "dns"}).content.decode()
    assert 'aria-current="page"' not in page
