"""What the audit log page shows of each event (typed rows for the template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from destek.audit.models import Action, AuditEvent

ACTION_LABELS = dict(Action.choices)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action: str
    action_label: str
    who: str
    ip: str
    user_agent: str
    target: str
    detail: list[tuple[str, str]]


def _detail_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return "—" if value is None else str(value)


def audit_rows(events: list[AuditEvent]) -> list[AuditRow]:
    return [
        AuditRow(
            id=e.pk, at=e.at, action=e.action,
            action_label=str(ACTION_LABELS.get(e.action, e.action)), who=e.actor_label,
            ip=e.ip or "", user_agent=e.user_agent, target=e.target,
            detail=[(str(k), _detail_value(v)) for k, v in (e.detail or {}).items()],
        )
        for e in events
    ]


def action_options(selected: str) -> list[dict[str, Any]]:
    return [{"value": value, "label": str(label), "selected": value == selected}
            for value, label in Action.choices]
