"""The generic signed JSON webhook, for any monitoring that can send one:

    {"key": "web-07-http", "component": "web-07", "status": "firing" | "resolved",
     "title": "HTTP checks failing", "message": "…", "severity": "critical",
     "component_status": "partial_outage"}

or {"alerts": [ … ]} for several. `key`, `component` and `status` are required;
`component_status` (one of the components' statuses) overrides what `severity` implies."""

from __future__ import annotations

from typing import Any

from destek.status.hooks.alerts import Alert, PayloadError, short_key, text_of

FIRING = ("firing", "down", "open", "problem")
RESOLVED = ("resolved", "up", "ok", "closed", "recovered")


def _one(raw: Any) -> Alert:
    if not isinstance(raw, dict):
        raise PayloadError("each alert must be an object")
    key, component = text_of(raw.get("key")), text_of(raw.get("component"))
    status = text_of(raw.get("status")).lower()
    if not key:
        raise PayloadError("key is required")
    if not component:
        raise PayloadError("component is required")
    if status not in FIRING + RESOLVED:
        raise PayloadError('status must be "firing" or "resolved"')
    return Alert(
        key=short_key(key), firing=status in FIRING,
        name=(text_of(raw.get("title"), limit=150) or key)[:150],
        text=text_of(raw.get("message")), severity=text_of(raw.get("severity")),
        slugs=(component,), servers=(component,),
        component_status=text_of(raw.get("component_status")),
    )


def parse(payload: Any) -> list[Alert]:
    if isinstance(payload, dict) and "alerts" in payload:
        alerts = payload["alerts"]
        if not isinstance(alerts, list):
            raise PayloadError("alerts must be a list")
        return [_one(raw) for raw in alerts]
    return [_one(payload)]
