"""Prometheus Alertmanager's webhook_config payload (version "4"): a group of alerts, each
with its labels, annotations, startsAt/endsAt, status ("firing" or "resolved") and
fingerprint. Each alert is handled on its own, keyed by its fingerprint (the group's key and
the alert's labels when an old Alertmanager sends none).

The component: the label `destek_component` or `component` (a Component's slug), else
`instance`, `server`, `node` or `host` (one of a Component's servers; a port is ignored).
`severity` sets the incident's impact."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from destek.status.hooks.alerts import Alert, PayloadError, short_key, text_of

SLUG_LABELS = ("destek_component", "component")
SERVER_LABELS = ("instance", "server", "node", "host")


def _strings(mapping: Any, what: str) -> dict[str, str]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise PayloadError(f"{what} must be an object")
    return {str(k): text_of(v) for k, v in mapping.items()}


def parse(payload: Any) -> list[Alert]:
    if not isinstance(payload, dict):
        raise PayloadError("expected a JSON object")
    if str(payload.get("version", "")) != "4":
        raise PayloadError('only the webhook payload version "4" is understood')
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts must be a list")
    group_status = text_of(payload.get("status"))
    group_key = text_of(payload.get("groupKey"), limit=10_000)
    common = _strings(payload.get("commonLabels"), "commonLabels")
    parsed = []
    for raw in alerts:
        if not isinstance(raw, dict):
            raise PayloadError("each alert must be an object")
        labels = {**common, **_strings(raw.get("labels"), "labels")}
        annotations = _strings(raw.get("annotations"), "annotations")
        status = text_of(raw.get("status")) or group_status
        if status not in ("firing", "resolved"):
            raise PayloadError(f"unknown alert status {status!r}")
        fingerprint = text_of(raw.get("fingerprint"))
        if not fingerprint:
            if not group_key:
                raise PayloadError("an alert needs a fingerprint or its group a groupKey")
            fingerprint = hashlib.sha256(
                (group_key + json.dumps(labels, sort_keys=True)).encode()).hexdigest()[:16]
        name = annotations.get("summary") or labels.get("alertname") or fingerprint
        parsed.append(Alert(
            key=short_key(fingerprint),
            firing=status == "firing",
            name=name[:150],
            text=annotations.get("description") or annotations.get("summary") or "",
            severity=labels.get("severity", ""),
            slugs=tuple(labels[k] for k in SLUG_LABELS if labels.get(k)),
            servers=tuple(labels[k] for k in SERVER_LABELS if labels.get(k)),
            extra={"startsAt": text_of(raw.get("startsAt"))},
        ))
    return parsed
