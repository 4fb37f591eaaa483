"""Settings → Satisfaction ratings: admins choose the scale, the change window and how long
the email's links work; the change is in the audit log; bad values change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory
from destek.accounts.models import Role, User
from destek.audit.models import Action, AuditEvent
from destek.conftest import login
from destek.feedback.models import RatingScale
from destek.feedback.selectors import feedback_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None) -> User:
    return AgentFactory(role=Role.ADMIN)


def url() -> str:
    return reverse("settings:satisfaction")


def test_only_admins(customer, agent) -> None:
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    for person in (customer, agent, supervisor):
        client = login(Client(), person)
        assert client.get(url()).status_code == 404
        assert client.post(url(), {"scale": "five"}).status_code == 404
    assert feedback_settings().scale == RatingScale.THREE


def test_an_admin_saves_and_it_is_audited(admin) -> None:
    client = login(Client(), admin)
    page = client.get(url()).content.decode()
    assert 'data-testid="satisfaction-form"' in page and 'value="three"' in page
    assert 'href="/desk/settings/satisfaction/"' in client.get(
        reverse("settings:index")).content.decode()
    response = client.post(url(), {"scale": "five", "change_window_days": "3",
                                    "link_valid_days": "14"})
    assert response.status_code == 302
    row = feedback_settings()
    assert (row.scale, row.change_window_days, row.link_valid_days) == ("five", 3, 14)
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.actor_id == admin.pk and event.target == f"feedback.feedbacksettings:{row.pk}"
    assert event.detail["fields"] == ["change_window_days", "link_valid_days", "scale"]


@pytest.mark.parametrize("values", [
    {"scale": "ten", "change_window_days": "3", "link_valid_days": "14"},
    {"scale": "five", "change_window_days": "-1", "link_valid_days": "14"},
    {"scale": "five", "change_window_days": "3", "link_valid_days": "0"},
    {"scale": "five", "change_window_days": "x", "link_valid_days": "14"},
])
def test_bad_values_change_nothing(admin, values) -> None:
    response = login(Client(), admin).post(url(), values)
    assert response.status_code == 400 and 'data-testid="form-errors"' in \
        response.content.decode()
    assert feedback_settings().scale == RatingScale.THREE
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()
