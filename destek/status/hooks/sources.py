"""An admin's settings of the monitoring sources: on or off, and a fresh secret. Each
change goes to the audit log (never the secret itself)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from destek.accounts.models import User
from destek.audit.log import Action, record
from destek.status.models import IncidentSource, MonitoringSource

KINDS = [IncidentSource.ALERTMANAGER, IncidentSource.UPTIME_KUMA, IncidentSource.WEBHOOK]


def source_list() -> list[MonitoringSource]:
    """Every source, in a fixed order; one not yet saved is off."""
    saved = {s.kind: s for s in MonitoringSource.objects.all()}
    return [saved.get(kind) or MonitoringSource(kind=kind) for kind in KINDS]


def _get_for_update(kind: str) -> MonitoringSource:
    source, _created = MonitoringSource.objects.select_for_update().get_or_create(kind=kind)
    return source


@transaction.atomic
def source_rotate(*, actor: User, kind: str,
                  request: HttpRequest | None = None) -> tuple[MonitoringSource, str]:
    """A new secret (the old one stops working at once); returns it to be shown."""
    source = _get_for_update(kind)
    secret = secrets.token_urlsafe(32)
    source.set_secret(secret)
    source.rotated_at, source.rotated_by = timezone.now(), actor
    source.save(update_fields=["secret_sealed", "rotated_at", "rotated_by"])
    record(Action.SETTINGS_CHANGED, actor=actor, request=request,
           target=f"status_hook:{kind}", change="secret_rotated")
    return source, secret


@transaction.atomic
def source_set_enabled(*, actor: User, kind: str, enabled: bool,
                       request: HttpRequest | None = None) -> tuple[MonitoringSource, str]:
    """Turn a source on or off; turning on a source without a secret gives it one (then
    returned, to be shown; otherwise "")."""
    source = _get_for_update(kind)
    secret = ""
    if enabled and not source.secret_sealed:
        source, secret = source_rotate(actor=actor, kind=kind, request=request)
    if source.enabled != enabled:
        source.enabled = enabled
        source.save(update_fields=["enabled"])
        record(Action.SETTINGS_CHANGED, actor=actor, request=request,
               target=f"status_hook:{kind}", change="enabled" if enabled else "disabled")
    return source, secret
