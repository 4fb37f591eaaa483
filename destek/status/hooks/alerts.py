"""What every monitoring door reads its payload into."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from destek.status.models import ComponentStatus, Impact

# Incident.alert_key's length; a longer key (an Alertmanager groupKey) is hashed.
KEY_MAX = 200


class PayloadError(ValueError):
    """The body is not what the provider sends."""


@dataclass(frozen=True)
class Alert:
    """One alert, firing or cleared, about one component."""

    key: str
    firing: bool
    name: str  # a short title: the alert's name, the monitor's name
    text: str = ""  # what the monitoring says about it
    severity: str = ""
    # Where to look for the component: slugs first, then servers/nodes.
    slugs: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()
    component_status: str = ""  # an explicit status (generic webhook); else from severity
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def status_and_impact(self) -> tuple[str, str]:
        """What the component shows while the alert fires, and the incident's impact."""
        if self.component_status in ComponentStatus.values \
                and self.component_status != ComponentStatus.OPERATIONAL:
            status = self.component_status
            return status, IMPACT_OF_STATUS.get(status, Impact.MINOR)
        return SEVERITY.get(self.severity.strip().lower(), DEFAULT_SEVERITY)


# Severity label/field → (component status, impact).
SEVERITY: dict[str, tuple[str, str]] = {
    "critical": (ComponentStatus.MAJOR_OUTAGE, Impact.CRITICAL),
    "page": (ComponentStatus.MAJOR_OUTAGE, Impact.CRITICAL),
    "error": (ComponentStatus.PARTIAL_OUTAGE, Impact.MAJOR),
    "major": (ComponentStatus.PARTIAL_OUTAGE, Impact.MAJOR),
    "warning": (ComponentStatus.DEGRADED, Impact.MINOR),
    "minor": (ComponentStatus.DEGRADED, Impact.MINOR),
    "info": (ComponentStatus.DEGRADED, Impact.NONE),
}
DEFAULT_SEVERITY = (ComponentStatus.PARTIAL_OUTAGE, Impact.MAJOR)
IMPACT_OF_STATUS: dict[str, str] = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED: Impact.MINOR,
    ComponentStatus.MAINTENANCE: Impact.NONE,
}


def short_key(key: str) -> str:
    """`key` as Incident.alert_key holds it: itself, or its SHA-256 when too long."""
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def text_of(value: object, *, limit: int = 2000) -> str:
    """A payload's string field, trimmed; anything else is refused."""
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise PayloadError(f"expected a string, got {type(value).__name__}")
    return str(value).strip()[:limit]
