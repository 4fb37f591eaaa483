"""Automation fixtures: the compiled triggers forgotten around each test, the shipped
triggers switched on (the suite switches them off for other apps: destek/conftest.py), and a
stand-in for the actions module until it is merged (standin_actions.py)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator

import pytest

from destek.automation.engine import forget_triggers
from destek.sla.policies import forget_config

SHIPPED = ("0003_urgent_keywords_trigger",)


@pytest.fixture(autouse=True)
def _actions_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if importlib.util.find_spec("destek.automation.actions") is None:
        from destek.automation.tests import standin_actions

        standin_actions.APPLIED.clear()
        monkeypatch.setitem(sys.modules, "destek.automation.actions", standin_actions)
    forget_triggers()
    forget_config()  # a policy a test created (rolled back) must not outlive it
    yield
    forget_triggers()
    forget_config()


@pytest.fixture
def shipped_triggers(db: None) -> None:
    """The shipped triggers on, as an installation has them (re-created when a transactional
    test elsewhere flushed the tables)."""
    from django.apps import apps

    from destek.automation.engine import triggers_changed
    from destek.automation.models import Trigger
    from destek.sla.tests.policies import ensure_default_policies

    if not Trigger.objects.exclude(default_key="").exists():
        for name in SHIPPED:
            importlib.import_module(f"destek.automation.migrations.{name}").create(apps, None)
    Trigger.objects.exclude(default_key="").update(is_active=True)
    triggers_changed()
    ensure_default_policies()
