"""Writes on triggers, for administrators: each checked (`conditions.validate`,
`actions.validate`), audited (a SETTINGS_CHANGED event naming the changed fields, as every
settings save), and followed by a version bump so every process recompiles its triggers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.audit.log import Action, record
from destek.automation import conditions, engine
from destek.automation.models import Trigger, TriggerEvent
from destek.core.errors import ApplicationError, PermissionDenied

EDITABLE = ("name", "description", "events", "conditions", "actions", "stop_here", "is_active",
            "position")


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change triggers."))


def _validate_actions(doc: dict[str, Any] | None) -> dict[str, Any]:
    return dict(engine.actions_module().validate(doc or {}))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = dict(values)
    if "name" in clean:
        clean["name"] = " ".join(str(clean["name"] or "").split())[:120]
        if not clean["name"]:
            raise ApplicationError(_("A name is required."), field="name")
    if "description" in clean:
        clean["description"] = " ".join(str(clean["description"] or "").split())[:300]
    if "events" in clean:
        chosen = [str(e) for e in clean["events"] or []]
        if not chosen:
            raise ApplicationError(_("Choose at least one event."), field="events")
        if any(e not in TriggerEvent.values for e in chosen):
            raise ApplicationError(_("Choose a valid event."), field="events")
        clean["events"] = sorted(set(chosen), key=TriggerEvent.values.index)
    if "conditions" in clean:
        clean["conditions"] = conditions.validate(clean["conditions"])
    if "actions" in clean:
        clean["actions"] = _validate_actions(clean["actions"])
        if not clean["actions"]:
            raise ApplicationError(_("Choose at least one action."), field="actions")
    for flag in ("stop_here", "is_active"):
        if flag in clean:
            clean[flag] = bool(clean[flag])
    if "position" in clean:
        try:
            clean["position"] = max(0, int(clean["position"]))
        except (TypeError, ValueError):
            raise ApplicationError(_("Choose a valid position."), field="position") from None
    return clean


def _audit(*, actor: User, request: HttpRequest | None, trigger: Trigger, change: str,
           fields: list[str] | None = None) -> None:
    detail: dict[str, Any] = {"change": change, "model": "automation.trigger",
                              "object": trigger.name[:200], "via": "settings"}
    if fields:
        detail["fields"] = sorted(fields)
    record(Action.SETTINGS_CHANGED, actor=actor, request=request,
           target=f"automation.trigger:{trigger.pk}", **detail)


def trigger_create(*, actor: User, name: str, events: list[str], actions: dict[str, Any],
                   conditions: dict[str, Any] | None = None, description: str = "",
                   stop_here: bool = False, is_active: bool = True, position: int | None = None,
                   request: HttpRequest | None = None) -> Trigger:
    """A new trigger, last in the order unless a position is given."""
    _require_admin(actor)
    clean = _clean({"name": name, "description": description, "events": events,
                    "conditions": conditions or {}, "actions": actions,
                    "stop_here": stop_here, "is_active": is_active,
                    **({"position": position} if position is not None else {})})
    with transaction.atomic():
        if "position" not in clean:
            last = Trigger.objects.aggregate(last=Max("position"))["last"] or 0
            clean["position"] = last + 10
        trigger = Trigger.objects.create(created_by=actor, **clean)
        _audit(actor=actor, request=request, trigger=trigger, change="added")
        engine.triggers_changed()
    return trigger


def trigger_update(*, actor: User, trigger: Trigger, request: HttpRequest | None = None,
                   **values: Any) -> Trigger:
    """Change any of EDITABLE; only what differs is saved and audited."""
    _require_admin(actor)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ApplicationError(_("Unknown field: %(name)s") % {"name": unknown[0]},
                               field=unknown[0])
    clean = _clean(values)
    changed = [name for name, value in clean.items() if getattr(trigger, name) != value]
    if not changed:
        return trigger
    with transaction.atomic():
        for name in changed:
            setattr(trigger, name, clean[name])
        trigger.updated_at = timezone.now()
        trigger.save(update_fields=[*changed, "updated_at"])
        _audit(actor=actor, request=request, trigger=trigger, change="changed", fields=changed)
        engine.triggers_changed()
    return trigger


def trigger_delete(*, actor: User, trigger: Trigger, request: HttpRequest | None = None) -> None:
    _require_admin(actor)
    with transaction.atomic():
        _audit(actor=actor, request=request, trigger=trigger, change="deleted")
        trigger.delete()
        engine.triggers_changed()


def trigger_reorder(*, actor: User, trigger_ids: list[int],
                    request: HttpRequest | None = None) -> list[Trigger]:
    """Positions 10, 20, 30… in the order given; triggers not named keep theirs, after."""
    _require_admin(actor)
    try:
        ids = [int(pk) for pk in trigger_ids]
    except (TypeError, ValueError):
        raise ApplicationError(_("Choose valid triggers."), field="order") from None
    if len(set(ids)) != len(ids):
        raise ApplicationError(_("Choose valid triggers."), field="order")
    with transaction.atomic():
        rows = {t.pk: t for t in Trigger.objects.select_for_update().filter(pk__in=ids)}
        if len(rows) != len(ids):
            raise ApplicationError(_("Choose valid triggers."), field="order")
        ordered = [rows[pk] for pk in ids]
        moved = []
        for index, trigger in enumerate(ordered, start=1):
            if trigger.position != index * 10:
                trigger.position = index * 10
                moved.append(trigger)
        others = Trigger.objects.exclude(pk__in=ids).order_by("position", "id")
        base = len(ordered) * 10
        for index, trigger in enumerate(others, start=1):
            if trigger.position <= base:
                trigger.position = base + index * 10
                moved.append(trigger)
        if moved:
            Trigger.objects.bulk_update(moved, ["position"])
            record(Action.SETTINGS_CHANGED, actor=actor, request=request,
                   target="automation.trigger:order", change="changed",
                   model="automation.trigger", object="order", via="settings",
                   fields=["position"])
            engine.triggers_changed()
    return ordered
