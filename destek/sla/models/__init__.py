"""SLA models: configuration (calendars, policies, on-call) and per-ticket state."""

from destek.sla.models.config import (
    BusinessCalendar,
    BusinessHours,
    Holiday,
    OnCallShift,
    OnCallWeekly,
    Reassign,
    SlaPolicy,
    SlaSettings,
)
from destek.sla.models.state import (
    AlertKind,
    Metric,
    RecomputeState,
    SlaAlert,
    SlaCycle,
    SlaRecompute,
    TicketSla,
)

__all__ = [
    "AlertKind", "BusinessCalendar", "BusinessHours", "Holiday", "Metric", "OnCallShift",
    "OnCallWeekly", "Reassign", "RecomputeState", "SlaAlert", "SlaCycle", "SlaPolicy",
    "SlaRecompute", "SlaSettings", "TicketSla",
]
