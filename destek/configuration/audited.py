"""Settings changes in the audit log, as the admin site records them (destek.audit.admin_site):
the object and the names of the changed fields, never their values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from destek.audit.log import Action, record


def record_settings_change(request: HttpRequest, obj: Model, change: str,
                           fields: Iterable[str] = ()) -> None:
    """`change`: "added", "changed" or "deleted"."""
    meta = obj._meta
    detail: dict[str, Any] = {"change": change, "model": meta.label_lower,
                                 "object": str(obj)[:200], "via": "settings"}
    names = sorted(fields)
    if names:
        detail["fields"] = names
    record(Action.SETTINGS_CHANGED, request=request,
           target=f"{meta.label_lower}:{obj.pk}", **detail)
