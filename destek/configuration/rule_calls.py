"""The one place Settings calls automation's services for triggers and automations
(`services.trigger_*`, `schedule_services.automation_*`, `dryrun.preview`). Imported when
called: the pages that only read (the lists, an empty form) work whatever state those modules
are in, and a test can stand in for them.

Every write goes through these services, which validate, audit and bump the rules' version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from destek.accounts.models import User
from destek.automation.models import Automation, Trigger


@dataclass(frozen=True)
class TriggerInput:
    name: str
    events: list[str]
    conditions: dict[str, Any]
    actions: dict[str, Any]
    stop_here: bool
    is_active: bool
    position: int | None  # None: last (a new trigger), unchanged (an edited one)

    @staticmethod
    def of(trigger: Trigger) -> TriggerInput:
        return TriggerInput(name=trigger.name, events=list(trigger.events),
                            conditions=dict(trigger.conditions), actions=dict(trigger.actions),
                            stop_here=trigger.stop_here, is_active=trigger.is_active,
                            position=trigger.position)


@dataclass(frozen=True)
class AutomationInput:
    name: str
    status: str
    field: str
    hours: int
    conditions: dict[str, Any]
    actions: dict[str, Any]
    is_active: bool
    position: int

    @staticmethod
    def of(automation: Automation) -> AutomationInput:
        return AutomationInput(name=automation.name, status=automation.status,
                               field=automation.field, hours=automation.hours,
                               conditions=dict(automation.conditions),
                               actions=dict(automation.actions),
                               is_active=automation.is_active, position=automation.position)


def trigger_create(*, actor: User, data: TriggerInput,
                   request: HttpRequest | None = None) -> Trigger:
    from destek.automation.services import trigger_create as create

    trigger: Trigger = create(actor=actor, request=request, **vars(data))
    return trigger


def _given(data: TriggerInput) -> dict[str, Any]:
    return {k: v for k, v in vars(data).items() if not (k == "position" and v is None)}


def trigger_update(*, actor: User, trigger: Trigger, data: TriggerInput,
                   request: HttpRequest | None = None) -> Trigger:
    from destek.automation.services import trigger_update as update

    update(actor=actor, trigger=trigger, request=request, **_given(data))
    return trigger


def trigger_delete(*, actor: User, trigger: Trigger, request: HttpRequest | None = None) -> None:
    from destek.automation.services import trigger_delete as delete

    delete(actor=actor, trigger=trigger, request=request)


def trigger_reorder(*, actor: User, ids: list[int], request: HttpRequest | None = None) -> None:
    """`ids`: every trigger's id, first to last."""
    from destek.automation.services import trigger_reorder as reorder

    reorder(actor=actor, trigger_ids=ids, request=request)


def _schedule_input(data: AutomationInput) -> Any:
    from destek.automation.schedule_services import AutomationInput as ScheduleInput

    return ScheduleInput(**vars(data))


def automation_create(*, actor: User, data: AutomationInput) -> Automation:
    from destek.automation.schedule_services import automation_create as create

    automation: Automation = create(actor=actor, data=_schedule_input(data))
    return automation


def automation_update(*, actor: User, automation: Automation,
                      data: AutomationInput) -> Automation:
    from destek.automation.schedule_services import automation_update as update

    update(actor=actor, automation=automation, data=_schedule_input(data))
    return automation


def automation_delete(*, actor: User, automation: Automation) -> None:
    from destek.automation.schedule_services import automation_delete as delete

    delete(actor=actor, automation=automation)


def automation_run_now(*, actor: User, automation: Automation) -> int:
    """Runs it once now; how many tickets it acted on."""
    from destek.automation.schedule_services import automation_run_now as run_now

    result = run_now(actor=actor, automation=automation)
    return result.fired


# --- names: a shipped rule left as shipped is named in the reader's language -----------------

def trigger_label(trigger: Trigger) -> str:
    try:
        from destek.automation.defaults import display_name
    except ModuleNotFoundError:  # the engine's part is not in this tree yet
        return trigger.name
    return str(display_name(trigger))


def automation_label(automation: Automation) -> str:
    try:
        from destek.automation.schedules import automation_label as label
    except ModuleNotFoundError:  # the schedules' part is not in this tree yet
        return automation.name
    return str(label(automation))


# --- the dry run ---------------------------------------------------------------------------

PREVIEW_LIMIT = 200
PREVIEW_DAYS = 30


@dataclass(frozen=True)
class PreviewRow:
    ticket_id: int
    reference: str
    subject: str
    would_do: list[str]


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]
    scanned: int | None = None  # how many recent tickets were looked at, when told
    days: int = PREVIEW_DAYS
    limit: int = PREVIEW_LIMIT
    notes: list[str] = field(default_factory=list)


def _rows(result: Any) -> Preview:
    """The dry run's result as the page shows it: each matched ticket with its sentences."""
    items = getattr(result, "matches", None)
    if items is None:
        items = getattr(result, "tickets", None)
    if items is None:
        items = result if isinstance(result, list | tuple) else []
    rows = []
    for item in items:
        ticket: Any = getattr(item, "ticket", item)
        would_do = getattr(item, "would_do", None)
        if would_do is None:
            would_do = getattr(item, "sentences", None) or getattr(result, "would_do", [])
        rows.append(PreviewRow(ticket_id=ticket.pk, reference=str(ticket.reference),
                               subject=ticket.subject, would_do=[str(s) for s in would_do]))
    scanned = getattr(result, "scanned", None)
    return Preview(rows=rows, scanned=scanned if isinstance(scanned, int) else None)


def trigger_preview(*, events: list[str], conditions: dict[str, Any],
                    actions: dict[str, Any]) -> Preview:
    """Which tickets of the last 30 days the rule would have matched (one preview per event
    ticked, merged), and what it would have done; nothing is saved."""
    from destek.automation.dryrun import preview

    seen: dict[int, PreviewRow] = {}
    scanned = 0
    for event in events or [""]:
        found = _rows(preview(event=event, conditions=conditions, actions=actions,
                              limit=PREVIEW_LIMIT, days=PREVIEW_DAYS))
        scanned = max(scanned, found.scanned or 0)
        for row in found.rows:
            seen.setdefault(row.ticket_id, row)
    rows = sorted(seen.values(), key=lambda r: -r.ticket_id)[:PREVIEW_LIMIT]
    return Preview(rows=rows, scanned=scanned or None)


def automation_preview(*, data: AutomationInput,
                       automation: Automation | None = None) -> Preview:
    """The tickets the automation would act on if it ran now; nothing is saved."""
    from destek.automation.schedule_services import automation_preview as preview

    return _rows(preview(data=_schedule_input(data), automation=automation))
