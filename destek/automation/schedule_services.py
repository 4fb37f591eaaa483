"""Writes on time-based automations, for administrators: create, change, delete, run now.

Each is checked (`schedules.validate_conditions`, `actions.validate`), audited
(SETTINGS_CHANGED, target "automation:<id>") and moves AutomationSettings.version. Changing
what an automation looks for (status, field, hours, conditions) clears its cursor: the next
run reads every ticket below the new threshold again, and AutomationApplied keeps those it
fired on already from firing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.audit.log import record
from destek.audit.models import Action
from destek.automation import actions, engine, schedules
from destek.automation.models import Automation, AutomationField
from destek.core.errors import ApplicationError, PermissionDenied
from destek.tickets.models import Status

RUN_NOW_BATCHES = 5  # "run now" acts on at most this many batches; beat does the rest
SCOPE_FIELDS = ("status", "field", "hours", "conditions")


@dataclass(frozen=True)
class AutomationInput:
    name: str
    status: str
    field: str
    hours: int
    actions: dict[str, Any]
    conditions: dict[str, Any] = dataclass_field(default_factory=dict)
    description: str = ""
    is_active: bool = True
    position: int = 100


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change automations."))


def automation_validate(data: AutomationInput) -> dict[str, Any]:
    """The model's values, cleaned; ApplicationError naming the field otherwise."""
    name = " ".join(data.name.split())
    if not name:
        raise ApplicationError(_("A name is required."), field="name")
    if len(name) > 120:
        raise ApplicationError(_("At most %(count)d characters.") % {"count": 120},
                               field="name")
    if data.status not in Status.values:
        raise ApplicationError(_("Choose a valid status."), field="status")
    if data.field not in AutomationField.values:
        raise ApplicationError(_("Choose when the hours are counted from."), field="field")
    if data.field == AutomationField.RESOLVED_AT and data.status != Status.RESOLVED:
        # resolved_at is set when a ticket becomes resolved: for another status the ticket
        # would have crossed the threshold before it got there, and would never be found.
        raise ApplicationError(_("Counting from the resolution works for resolved tickets."),
                               field="field")
    try:
        hours = int(data.hours)
    except (TypeError, ValueError):
        raise ApplicationError(_("Enter a number of hours."), field="hours") from None
    if not 1 <= hours <= schedules.MAX_HOURS:
        raise ApplicationError(
            _("Enter between 1 and %(max)d hours.") % {"max": schedules.MAX_HOURS},
            field="hours")
    doc = actions.validate(data.actions)
    if doc["status"] == data.status and not any(
            value for key, value in doc.items() if key != "status"):
        raise ApplicationError(_("The automation would change nothing."), field="actions")
    return {"name": name, "description": " ".join(data.description.split())[:300],
            "status": data.status, "field": data.field, "hours": hours,
            "conditions": schedules.validate_conditions(data.conditions), "actions": doc,
            "is_active": bool(data.is_active), "position": max(0, int(data.position))}


def _audit(actor: User, automation: Automation, change: str, **detail: Any) -> None:
    record(Action.SETTINGS_CHANGED, actor=actor, target=f"automation:{automation.pk}",
           setting="automation", change=change, name=automation.name, **detail)


def automation_create(*, actor: User, data: AutomationInput) -> Automation:
    _require_admin(actor)
    values = automation_validate(data)
    with transaction.atomic():
        automation = Automation.objects.create(created_by=actor, **values)
        engine.triggers_changed()
        _audit(actor, automation, "created")
    return automation


def automation_update(*, actor: User, automation: Automation,
                      data: AutomationInput) -> list[str]:
    """The names of the fields that changed."""
    _require_admin(actor)
    values = automation_validate(data)
    changed = [name for name, value in values.items() if getattr(automation, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(automation, name, values[name])
    update = [*changed, "updated_at"]
    if set(changed) & set(SCOPE_FIELDS):
        automation.cursor = None
        update.append("cursor")
    automation.updated_at = timezone.now()
    with transaction.atomic():
        automation.save(update_fields=update)
        engine.triggers_changed()
        _audit(actor, automation, "updated", fields=changed)
    return changed


def automation_delete(*, actor: User, automation: Automation) -> None:
    _require_admin(actor)
    with transaction.atomic():
        _audit(actor, automation, "deleted")
        automation.delete()
        engine.triggers_changed()


def automation_run_now(*, actor: User, automation: Automation,
                       now: datetime | None = None) -> schedules.RunResult:
    """Run one automation at once (an admin's button), on at most RUN_NOW_BATCHES batches;
    also an inactive one, which is how an admin tries a rule before switching it on."""
    _require_admin(actor)
    result = schedules.run_automation(automation, now=now, max_batches=RUN_NOW_BATCHES)
    _audit(actor, automation, "run", fired=result.fired)
    return result


def automation_preview(*, data: AutomationInput, automation: Automation | None = None,
                       limit: int = schedules.PREVIEW_LIMIT) -> schedules.AutomationPreview:
    """The dry run of `data` (a form being edited; for a saved automation whose scope is
    unchanged, from its cursor and without the tickets it fired on already)."""
    values = automation_validate(data)
    same_scope = automation is not None and all(
        getattr(automation, name) == values[name] for name in SCOPE_FIELDS)
    return schedules.preview_automation(
        status=values["status"], field_name=values["field"], hours=values["hours"],
        conditions=values["conditions"], actions_doc=values["actions"],
        cursor=automation.cursor if automation is not None and same_scope else None,
        automation_id=automation.pk if automation is not None else None, limit=limit)
