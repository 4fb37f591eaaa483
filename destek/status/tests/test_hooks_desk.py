"""The monitoring sources' page: administrators turn sources on, show and rotate secrets."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.status.models import MonitoringSource

pytestmark = pytest.mark.django_db

URL = "/desk/incidents/monitoring/"


def test_the_page_is_where_the_brief_says() -> None:
    assert reverse("status_hooks_desk:sources") == URL


def test_only_administrators_see_it(agent_client: Client) -> None:
    assert agent_client.get(URL).status_code == 404
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    agent_client.force_login(supervisor)
    assert agent_client.get(URL).status_code == 404
    assert agent_client.post(URL, {"kind": "webhook", "action": "rotate"}).status_code == 404
    assert not MonitoringSource.objects.exists()


def test_an_admin_turns_a_source_on_and_rotates_its_secret(client: Client) -> None:
    admin = AgentFactory(role=Role.ADMIN, language="tr")
    client.force_login(admin)

    page = client.get(URL, headers={"Accept-Language": "tr"})
    assert page.status_code == 200
    assert "İzleme kaynakları" in page.content.decode()
    assert "http://testserver/status/hooks/uptime-kuma/" in page.content.decode()

    turned_on = client.post(URL, {"kind": "webhook", "action": "enable"})
    source = MonitoringSource.objects.get(kind="webhook")
    assert source.enabled and source.secret
    assert source.secret in turned_on.content.decode()  # shown once, on this answer
    assert source.secret not in client.get(URL).content.decode()
    assert source.secret in client.post(URL, {"kind": "webhook", "action": "show"}
                                        ).content.decode()

    old = source.secret
    client.post(URL, {"kind": "webhook", "action": "rotate"})
    source.refresh_from_db()
    assert source.secret != old and source.rotated_by == admin
    client.post(URL, {"kind": "webhook", "action": "disable"})
    source.refresh_from_db()
    assert not source.enabled

    changes = list(AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED)
                   .order_by("id").values_list("detail__change", flat=True))
    assert changes == ["secret_rotated", "enabled", "secret_rotated", "disabled"]
    assert all(old not in str(event.detail) for event in AuditEvent.objects.all())
