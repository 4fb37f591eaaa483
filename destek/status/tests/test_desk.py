"""The agents' pages at /desk/incidents/: who may do what, declaring, publishing, updating,
scheduling maintenance, managing components, groups and backup routines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import AgentFactory, CustomerFactory, OrganizationFactory
from destek.accounts.models import Role, User
from destek.audit.models import AuditEvent
from destek.conftest import login
from destek.hosting.factories import ServiceFactory
from destek.status.factories import ComponentFactory, ComponentGroupFactory
from destek.status.models import (
    BackupRoutine,
    Component,
    ComponentMember,
    ComponentStatus,
    FanoutState,
    Incident,
    IncidentKind,
    IncidentState,
)
from destek.status.services import IncidentDraft, incident_create, incident_post_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(db: None) -> User:
    return AgentFactory(role=Role.SUPERVISOR)


@pytest.fixture
def web07(db: None) -> Component:
    return ComponentFactory(slug="web-07", name="Shared hosting – web-07",
                            name_tr="Paylaşımlı barındırma – web-07", servers=["web-07"],
                            group=ComponentGroupFactory(name="Hosting"))


def _declare(client: Client, component: Component, **extra: str) -> object:
    data = {"title": "Web-07 is down", "title_tr": "Web-07 çalışmıyor", "impact": "major",
            "components": [str(component.pk)], "component_status": "major_outage",
            "state": "investigating", "body": "We are looking into it.",
            "body_tr": "İnceliyoruz.", **extra}
    return client.post(reverse("status_desk:incident_new"), data)


def test_customers_get_404_and_visitors_the_login_page(client: Client, customer: User) -> None:
    url = reverse("status_desk:incidents")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    login(client, customer)
    for name in ("incidents", "incident_new", "maintenance_new", "components"):
        assert client.get(reverse(f"status_desk:{name}")).status_code == 404


def test_outsourced_agents_read_but_do_not_declare(client: Client, outsourced: User,
                                                   web07: Component) -> None:
    incident = incident_create(actor=None, draft=IncidentDraft(
        title="DNS slow", body="Looking", components=[web07]))
    login(client, outsourced)
    listing = client.get(reverse("status_desk:incidents"))
    assert listing.status_code == 200 and "DNS slow" in listing.content.decode()
    assert 'data-testid="incident-declare"' not in listing.content.decode()
    page = client.get(reverse("status_desk:incident", args=[incident.pk]))
    assert page.status_code == 200 and 'data-testid="update-form"' not in page.content.decode()
    assert client.get(reverse("status_desk:incident_new")).status_code == 404
    assert _declare(client, web07).status_code == 404  # type: ignore[attr-defined]
    post = client.post(reverse("status_desk:incident_update", args=[incident.pk]),
                       {"state": "resolved", "body": "x"})
    assert post.status_code == 404
    assert client.get(reverse("status_desk:components")).status_code == 404


def test_an_agent_declares_and_publishes_an_incident(agent_client: Client,
                                                     web07: Component) -> None:
    on_it = CustomerFactory()
    ServiceFactory(customer=on_it, server="web-07")
    form = agent_client.get(reverse("status_desk:incident_new"))
    assert form.status_code == 200
    assert 'data-testid="component-web-07"' in form.content.decode()
    response = _declare(agent_client, web07)
    incident = Incident.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == reverse("status_desk:incident",  # type: ignore[index]
                                           args=[incident.pk])
    assert incident.is_published and incident.title_tr == "Web-07 çalışmıyor"
    assert list(incident.components.all()) == [web07]
    update = incident.updates.get()
    assert (update.body, update.body_tr, update.fanout_state) == (
        "We are looking into it.", "İnceliyoruz.", FanoutState.SENDING)
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.MAJOR_OUTAGE
    page = agent_client.get(response["Location"]).content.decode()  # type: ignore[index]
    assert "İnceliyoruz." in page and "We are looking into it." in page


def test_a_draft_is_published_later(agent_client: Client, web07: Component) -> None:
    _declare(agent_client, web07, draft="1")
    incident = Incident.objects.get()
    assert not incident.is_published
    assert incident.updates.get().fanout_state == FanoutState.NOT_SENT
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.OPERATIONAL
    listing = agent_client.get(reverse("status_desk:incidents")).content.decode()
    assert 'data-testid="draft-badge"' in listing
    agent_client.post(reverse("status_desk:incident_publish", args=[incident.pk]))
    incident.refresh_from_db()
    web07.refresh_from_db()
    assert incident.is_published and web07.status == ComponentStatus.MAJOR_OUTAGE
    assert incident.updates.get().fanout_state == FanoutState.SENDING


def test_posting_updates_until_resolved(agent_client: Client, agent: User,
                                        web07: Component) -> None:
    _declare(agent_client, web07)
    incident = Incident.objects.get()
    url = reverse("status_desk:incident_update", args=[incident.pk])
    agent_client.post(url, {"state": "identified", "body": "A disk failed.",
                            "body_tr": "Bir disk bozuldu."})
    quiet = agent_client.post(url, {"state": "monitoring", "body": "Watching."})
    assert quiet.status_code == 302
    agent_client.post(url, {"state": "resolved", "body": "Fixed.", "body_tr": "Düzeldi.",
                            "notify": "on"})
    incident.refresh_from_db()
    web07.refresh_from_db()
    assert incident.state == IncidentState.RESOLVED and incident.resolved_at is not None
    assert web07.status == ComponentStatus.OPERATIONAL
    updates = list(incident.updates.order_by("pk"))
    assert [u.state for u in updates] == ["investigating", "identified", "monitoring",
                                          "resolved"]
    assert [u.notify for u in updates] == [True, False, False, True]
    assert updates[-1].author == agent
    # A maintenance state is refused for an incident, with the reason on the form.
    wrong = agent_client.post(url, {"state": "in_progress", "body": "x"})
    assert wrong.status_code == 200
    assert 'data-testid="error-state"' in wrong.content.decode()


def test_declaring_without_a_component_says_so_in_both_languages(agent_client: Client,
                                                                  web07: Component) -> None:
    data = {"title": "x", "impact": "minor", "component_status": "degraded",
            "state": "investigating", "body": "y"}
    response = agent_client.post(reverse("status_desk:incident_new"), data)
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "Choose at least one affected component." in response.content.decode()
    agent_client.cookies["django_language"] = "tr"
    response = agent_client.post(reverse("status_desk:incident_new"), data)
    assert "En az bir etkilenen bileşen seçin." in response.content.decode()


def test_the_preview_counts_the_customers_who_will_hear(agent_client: Client,
                                                        web07: Component) -> None:
    org = OrganizationFactory()
    CustomerFactory(organization=org)
    CustomerFactory(organization=org)
    ServiceFactory(customer=None, organization=org, server="web-07")
    named = CustomerFactory()
    dns = ComponentFactory()
    ComponentMember.objects.create(component=dns, customer=named)
    url = reverse("status_desk:affected_count")
    response = agent_client.get(url, {"components": [web07.pk]})
    assert 'data-count="2"' in response.content.decode()
    response = agent_client.get(url, {"components": [web07.pk, dns.pk, "junk"]})
    assert 'data-count="3"' in response.content.decode()
    assert 'data-count="0"' in agent_client.get(url).content.decode()


def test_editing_components_and_postmortem(agent_client: Client, web07: Component) -> None:
    _declare(agent_client, web07)
    incident = Incident.objects.get()
    dns = ComponentFactory()
    agent_client.post(reverse("status_desk:incident_components", args=[incident.pk]),
                      {"components": [dns.pk]})
    web07.refresh_from_db()
    dns.refresh_from_db()
    assert list(incident.components.all()) == [dns]
    assert (web07.status, dns.status) == (ComponentStatus.OPERATIONAL,
                                          ComponentStatus.MAJOR_OUTAGE)
    empty = agent_client.post(reverse("status_desk:incident_components", args=[incident.pk]),
                              {})
    assert 'data-testid="error-components"' in empty.content.decode()
    assert list(incident.components.all()) == [dns]
    agent_client.post(reverse("status_desk:incident_postmortem", args=[incident.pk]),
                      {"postmortem_url": "https://blog.example.com/pm"})
    incident.refresh_from_db()
    assert incident.postmortem_url == "https://blog.example.com/pm"
    bad = agent_client.post(reverse("status_desk:incident_postmortem", args=[incident.pk]),
                            {"postmortem_url": "not a link"})
    assert 'data-testid="error-postmortem_url"' in bad.content.decode()


def test_scheduling_maintenance_in_the_agents_time_zone(client: Client, web07: Component
                                                        ) -> None:
    agent = AgentFactory(time_zone="Europe/Istanbul")
    login(client, agent)
    start = (timezone.now() + timedelta(days=2)).astimezone(
        timezone.get_fixed_timezone(180)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=2)
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(reverse("status_desk:maintenance_new"), {
        "title": "Kernel upgrade", "impact": "minor", "components": [web07.pk],
        "scheduled_start": start.strftime(fmt), "scheduled_end": end.strftime(fmt),
        "auto_transition": "on", "body": "Reboot", "body_tr": "Yeniden başlatma"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.kind == IncidentKind.MAINTENANCE
    assert incident.state == IncidentState.SCHEDULED and incident.auto_transition
    assert incident.scheduled_start == start and incident.scheduled_end == end
    web07.refresh_from_db()
    assert web07.status == ComponentStatus.OPERATIONAL  # not started yet


def test_a_maintenance_window_must_end_after_it_starts(agent_client: Client,
                                                       web07: Component) -> None:
    start = timezone.localtime() + timedelta(days=1)
    fmt = "%Y-%m-%dT%H:%M"
    data = {"title": "x", "impact": "minor", "components": [web07.pk], "body": "y",
            "scheduled_start": start.strftime(fmt),
            "scheduled_end": (start - timedelta(hours=1)).strftime(fmt)}
    response = agent_client.post(reverse("status_desk:maintenance_new"), data)
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "The window must end after it starts." in response.content.decode()
    data["scheduled_end"] = "tomorrow"
    response = agent_client.post(reverse("status_desk:maintenance_new"), data)
    assert 'data-testid="error-scheduled_end"' in response.content.decode()


def test_the_list_shows_open_maintenance_and_closed_in_a_bounded_number_of_queries(
        agent_client: Client, web07: Component) -> None:
    def make(n: int) -> None:
        for i in range(n):
            incident = incident_create(actor=None, draft=IncidentDraft(
                title=f"Open {i}", body="b", components=[web07, ComponentFactory()]))
            closed = incident_create(actor=None, draft=IncidentDraft(
                title=f"Closed {i}", body="b", components=[web07]))
            incident_post_update(actor=None, incident=closed, state=IncidentState.RESOLVED,
                                 body="done")
            incident_create(actor=None, draft=IncidentDraft(
                kind=IncidentKind.MAINTENANCE, title=f"Maint {i}", body="b",
                components=[web07], scheduled_start=timezone.now() + timedelta(days=i + 1),
                scheduled_end=timezone.now() + timedelta(days=i + 2)))
            assert incident

    url = reverse("status_desk:incidents")
    make(2)
    agent_client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        page = agent_client.get(url).content.decode()
    assert "Open 1" in page and "Closed 0" in page and "Maint 1" in page
    make(5)
    with CaptureQueriesContext(connection) as many:
        agent_client.get(url)
    assert len(many) == len(few)


def test_closed_incidents_page_by_keyset(agent_client: Client, web07: Component) -> None:
    from destek.status.desk_views import incidents as views

    now = timezone.now()
    for i in range(views.CLOSED_PAGE + 3):
        incident = incident_create(actor=None, draft=IncidentDraft(
            title=f"Closed #{i:02d}", body="b", components=[web07]))
        incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                             body="done", at=now - timedelta(minutes=i))
    first = agent_client.get(reverse("status_desk:incidents"))
    assert first.context["older"] is not None
    assert len(first.context["closed"]) == views.CLOSED_PAGE
    older = first.context["older"]
    second = agent_client.get(reverse("status_desk:incidents"), {
        "before": older.resolved_at.isoformat(), "before_id": older.pk})
    titles = [i.title for i in second.context["closed"]]
    assert titles == [f"Closed #{i:02d}" for i in range(views.CLOSED_PAGE,
                                                        views.CLOSED_PAGE + 3)]
    assert second.context["older"] is None


def test_supervisors_manage_components_groups_and_backups(client: Client, supervisor: User,
                                                          agent: User) -> None:
    login(client, agent)
    assert client.get(reverse("status_desk:components")).status_code == 404
    login(client, supervisor)
    org = OrganizationFactory(name="Acme Ltd")
    named = CustomerFactory(email="deniz@example.com")
    group = client.post(reverse("status_desk:group_add"),
                        {"name": "Hosting", "name_tr": "Barındırma", "position": 0})
    assert group.status_code == 302
    response = client.post(reverse("status_desk:component_add"), {
        "name": "Web-07", "name_tr": "Web-07", "slug": "web-07",
        "group": Component._meta.get_field("group").related_model.objects.get().pk,
        "position": 0, "servers_text": "web-07\n\nweb-07b\nweb-07",
        "plans_text": "Gold", "customers_text": "deniz@example.com",
        "organizations_text": "Acme Ltd", "is_public": "on"})
    assert response.status_code == 302
    component = Component.objects.get()
    assert component.servers == ["web-07", "web-07b"] and component.plans == ["Gold"]
    assert {(m.customer_id, m.organization_id) for m in component.members.all()} == {
        (named.pk, None), (None, org.pk)}
    edit = client.post(reverse("status_desk:component_edit", args=[component.pk]), {
        "name": "Web-07", "slug": "web-07", "position": 0, "servers_text": "web-07",
        "customers_text": "nobody@example.com"})
    assert edit.status_code == 200
    assert "nobody@example.com" in edit.content.decode()
    client.post(reverse("status_desk:component_edit", args=[component.pk]), {
        "name": "Web-07", "slug": "web-07", "position": 0, "servers_text": "web-07"})
    assert not component.members.exists()
    client.post(reverse("status_desk:component_status", args=[component.pk]),
                {"status": "degraded"})
    component.refresh_from_db()
    assert component.status == ComponentStatus.DEGRADED
    none = client.post(reverse("status_desk:backup_add"), {
        "what": "Files and databases", "every_hours": 24, "keep_days": 30})
    assert "Choose a component or name a plan." in none.content.decode()
    client.post(reverse("status_desk:backup_add"), {
        "what": "Files and databases", "what_tr": "Dosyalar ve veritabanları",
        "plan": "Gold", "every_hours": 24, "keep_days": 30,
        "last_success_at": "2026-12-06T03:00"})
    routine = BackupRoutine.objects.get()
    assert routine.plan == "Gold" and routine.last_success_at is not None
    listing = client.get(reverse("status_desk:components")).content.decode()
    assert "Files and databases" in listing and "Web-07" in listing
    client.post(reverse("status_desk:backup_delete", args=[routine.pk]))
    assert not BackupRoutine.objects.exists()
    audited = AuditEvent.objects.filter(action="settings_changed").values_list("target",
                                                                              flat=True)
    assert f"status.component:{component.pk}" in audited
    assert f"status.backuproutine:{routine.pk}" in audited


def test_the_navbar_links_the_incidents_for_staff_only(agent_client: Client,
                                                       client: Client) -> None:
    page = agent_client.get(reverse("status_desk:incidents")).content.decode()
    assert 'data-testid="nav-incidents"' in page
    assert 'data-testid="status-nav-components"' not in page  # an agent does not manage them


def test_the_pages_are_in_turkish(agent_client: Client, web07: Component) -> None:
    agent_client.cookies["django_language"] = "tr"
    page = agent_client.get(reverse("status_desk:incidents")).content.decode()
    assert "Olay bildir" in page
    page = agent_client.get(reverse("status_desk:incident_new")).content.decode()
    assert "Etkilenen bileşenler" in page


def test_a_link_may_tick_components_in_advance(agent_client: Client, web07: Component) -> None:
    page = agent_client.get(reverse("status_desk:incident_new"),
                            {"components": [web07.pk]}).content.decode()
    assert f'value="{web07.pk}" id="c-component-{web07.pk}" checked' in page


def test_the_incident_page_queries_do_not_grow_with_its_timeline(agent_client: Client,
                                                                 web07: Component) -> None:
    incident = incident_create(actor=None, draft=IncidentDraft(
        title="Slow", body="b", components=[web07, ComponentFactory()]))
    url = reverse("status_desk:incident", args=[incident.pk])
    agent_client.get(url)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(url)
    for i in range(5):
        incident_post_update(actor=AgentFactory(), incident=incident,
                             state=IncidentState.IDENTIFIED, body=f"Update {i}")
    with CaptureQueriesContext(connection) as many:
        page = agent_client.get(url).content.decode()
    assert "Update 4" in page
    assert len(many) == len(few)
