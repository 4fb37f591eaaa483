"""SLA fixtures: a department with a supervisor and two agents, the shipped policies."""

from __future__ import annotations

import importlib

import pytest

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import Department, Role, User
from destek.sla.policies import forget_config
from destek.sla.tests.policies import DEFAULTS


@pytest.fixture(autouse=True)
def _fresh_config(request: pytest.FixtureRequest, settings) -> None:  # type: ignore[no-untyped-def]
    """The shipped policies, also after a transactional test elsewhere flushed the tables."""
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    forget_config()
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    from destek.sla.models import SlaPolicy

    if not SlaPolicy.objects.exists():
        for name in DEFAULTS:
            importlib.import_module(f"destek.sla.migrations.{name}").create(apps, None)


@pytest.fixture
def supervisor(db: None, department: Department) -> User:
    user = AgentFactory(full_name="Sema Supervisor", role=Role.SUPERVISOR)
    MembershipFactory(department=department, agent=user)
    department.supervisor = user
    department.save(update_fields=["supervisor"])
    return user


@pytest.fixture
def colleague(db: None, department: Department) -> User:
    user = AgentFactory(full_name="Cem Colleague")
    MembershipFactory(department=department, agent=user)
    return user
