"""What the desk prints about SLAs: the queue's countdown cell and the ticket's SLA panel.

The countdown text is built here for the first paint and again by desk.js every 30 seconds
from the same translated pieces (rendered into data-label-* attributes by base_desk.html),
so both say the same thing in the same language. No queries here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from django.utils.translation import gettext, pgettext

from destek.desk.formatting import DateFormatter, iso
from destek.sla.models import AlertKind, Metric
from destek.sla.selectors import SlaHistory, SlaState

# Bootstrap classes per SlaState.level(): breached red, at risk amber, paused grey.
SLA_CLASSES = {
    "breached": "text-danger fw-semibold",
    "at_risk": "text-warning-emphasis fw-semibold",
    "paused": "text-body-secondary",
    "ok": "",
    "none": "text-body-secondary",
}


def countdown_labels() -> dict[str, str]:
    """The pieces of a countdown, translated; desk.js gets the same ones."""
    return {
        "due_in": gettext("in {time}"),
        "overdue": gettext("{time} overdue"),
        "minutes": pgettext("countdown", "{n} min"),
        "hours": pgettext("countdown", "{n} h"),
        "days": pgettext("countdown", "{n} d"),
        "target_due": gettext("%(target)s due %(time)s"),  # a deadline's tooltip
    }


def countdown_text(seconds: int, labels: dict[str, str]) -> str:
    """"in 2 h 5 min", "1 d 3 h overdue": two units at most, whole minutes (as desk.js)."""
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [labels["days"].replace("{n}", str(days))]
        if hours:
            parts.append(labels["hours"].replace("{n}", str(hours)))
    elif hours:
        parts = [labels["hours"].replace("{n}", str(hours))]
        if minutes:
            parts.append(labels["minutes"].replace("{n}", str(minutes)))
    else:
        parts = [labels["minutes"].replace("{n}", str(minutes))]
    text = " ".join(parts)
    return labels["due_in" if seconds >= 0 else "overdue"].replace("{time}", text)


def metric_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Metric.choices}


class SlaCell(TypedDict):
    sla_level: str
    sla_class: str
    sla_due_iso: str
    sla_warn_iso: str
    sla_label: str
    sla_title: str


def queue_sla_cell(row: dict[str, Any], *, now: datetime, labels: dict[str, str],
                   metrics: dict[str, str], full_date: DateFormatter) -> SlaCell:
    """The queue's "next deadline" cell from a `ticket_queue_rows` row (its SLA columns)."""
    due_at = row.get("sla_due_at")
    dues = ((row.get("sla__first_response_due"), Metric.FIRST_RESPONSE),
            (row.get("sla__next_response_due"), Metric.NEXT_RESPONSE),
            (row.get("sla__resolution_due"), Metric.RESOLUTION))
    metric = next((m for due, m in dues if due is not None and due == due_at), None)
    state = SlaState(ticket_id=row["id"], policy_name="", due_at=due_at, metric=metric,
                     warn_at=row.get("sla_warn_at"), paused=bool(row.get("sla__paused")),
                     response_due_at=None)
    level = state.level(now)
    seconds = state.seconds_left(now)
    if seconds is not None and due_at is not None:
        label = countdown_text(seconds, labels)
        when = full_date(due_at)
        title = (labels["target_due"] % {"target": metrics[metric], "time": when}
                 if metric else when)
    else:
        label = gettext("Paused") if level == "paused" else ""
        title = gettext("The SLA clock is paused.") if level == "paused" else ""
    return {
        "sla_level": level,
        "sla_class": SLA_CLASSES[level],
        "sla_due_iso": full_date.iso(due_at) if due_at is not None else "",
        "sla_warn_iso": full_date.iso(state.warn_at) if state.warn_at is not None else "",
        "sla_label": label,
        "sla_title": title,
    }


# --- the ticket's SLA panel ------------------------------------------------------------------


def duration_text(seconds: int) -> str:
    """"2 h 5 min" (no direction), for paused time and how late a target was met."""
    labels = countdown_labels()
    return countdown_text(seconds, {**labels, "due_in": "{time}"})


def present_sla(history: SlaHistory, *, now: datetime, warn_at: datetime | None = None,
                names: dict[int, str] | None = None) -> dict[str, Any]:
    """The panel's values: policy, running targets with their countdown, ended targets (met
    or breached, by how much), paused time, and the alerts sent (to whom, from `names`).

    `warn_at` is the ticket's warning time, which belongs to its nearest running target."""
    metrics = metric_labels()
    kinds = {value: str(label) for value, label in AlertKind.choices}
    labels = countdown_labels()
    short_date = DateFormatter("SHORT_DATETIME_FORMAT")
    targets = [{"metric": metric, "label": metrics[metric], "minutes": minutes,
                "text": duration_text(minutes * 60) if minutes else ""}
               for metric, minutes in history.targets.items()]
    running = []
    for r in history.running:
        assert r.due_at is not None  # sla_history keeps only the running ones
        seconds = int((r.due_at - now).total_seconds())
        nearest = r.due_at == min(x.due_at for x in history.running if x.due_at is not None)
        warn = warn_at if nearest else None
        level = ("breached" if seconds <= 0
                 else "at_risk" if warn is not None and warn <= now else "ok")
        running.append({"metric": r.metric, "label": metrics.get(r.metric, r.metric),
                        "due_iso": iso(r.due_at), "due_label": short_date(r.due_at),
                        "warn_iso": iso(warn) if warn is not None else "",
                        "countdown": countdown_text(seconds, labels), "level": level,
                        "css": SLA_CLASSES[level]})
    ended = []
    for c in history.cycles:
        late = int((c.completed_at - c.due_at).total_seconds()) if c.due_at else 0
        ended.append({"metric": c.metric, "label": metrics.get(c.metric, c.metric),
                      "breached": c.breached, "by": duration_text(late) if c.breached else "",
                      "due_label": short_date(c.due_at) if c.due_at else "",
                      "completed_iso": iso(c.completed_at),
                      "completed_label": short_date(c.completed_at),
                      "paused": duration_text(c.paused_seconds) if c.paused_seconds else ""})
    alerts = [{"kind": a.kind, "kind_label": kinds.get(a.kind, a.kind),
               "metric_label": metrics.get(a.metric, a.metric) if a.metric else "",
               "created_iso": iso(a.created_at), "created_label": short_date(a.created_at),
               "recipients": ", ".join((names or {}).get(pk, f"#{pk}")
                                       for pk in a.recipients or [])}
              for a in history.alerts]
    return {"policy_name": history.policy_name, "targets": targets, "running": running,
            "ended": ended, "alerts": alerts, "paused": history.paused,
            "paused_total": duration_text(history.paused_seconds)
            if history.paused_seconds else ""}
