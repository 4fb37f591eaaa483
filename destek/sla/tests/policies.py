"""For tests of other apps that show SLAs: the shipped policies, also after a transactional
test elsewhere flushed the tables (they come from a data migration)."""

from __future__ import annotations

import importlib

from django.apps import apps

from destek.sla.models import SlaPolicy
from destek.sla.policies import forget_config

# The data migrations that ship the default policies, in order.
DEFAULTS = ("0002_defaults", "0005_hosting_defaults")


def ensure_default_policies() -> None:
    forget_config()
    if not SlaPolicy.objects.exists():
        for name in DEFAULTS:
            importlib.import_module(f"destek.sla.migrations.{name}").create(apps, None)
