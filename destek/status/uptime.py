"""The 90-day uptime history of components, from their status spans (`ComponentStatusSpan`).

The formula (also in docs/status-page.md):

- A component's timeline is its spans; before its first span it was operational (a span is
  only written when the status changes), and a component without any span has had its
  current status since it was created. Nothing is counted before `Component.created_at`.
- Each day (midnight to midnight in the site's time zone, TIME_ZONE) is cut into the parts
  spent in each status. Down time weighs: major outage 1, partial outage `PARTIAL_WEIGHT`
  (0.3: part of the customers or features were down, as Atlassian Statuspage weighs it),
  degraded performance, maintenance and operational 0 (maintenance is announced and counts
  as up).
- A day's uptime is 1 − weighted down time ÷ observed time; the 90 days' percentage is
  1 − the sum of weighted down time ÷ the sum of observed time (a day the component did not
  exist yet has no data and counts for nothing).
- A day's colour is the worst status seen that day.

Pure arithmetic below `uptime_for`, which reads every span of the window in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import Q
from django.utils import timezone

from destek.status.models import Component, ComponentStatus, ComponentStatusSpan, worst

DAYS = 90
PARTIAL_WEIGHT = 0.3
DOWN_WEIGHT = {
    ComponentStatus.MAJOR_OUTAGE.value: 1.0,
    ComponentStatus.PARTIAL_OUTAGE.value: PARTIAL_WEIGHT,
}


@dataclass(frozen=True)
class Segment:
    status: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Day:
    day: date
    status: str  # the worst status of the day; "" when there is no data
    uptime: float | None  # 0..1; None when there is no data

    @property
    def percent(self) -> float | None:
        return None if self.uptime is None else round(self.uptime * 100, 2)


@dataclass(frozen=True)
class Uptime:
    days: tuple[Day, ...]
    uptime: float | None  # over the whole window

    @property
    def percent(self) -> float | None:
        return None if self.uptime is None else round(self.uptime * 100, 2)


def day_bounds(*, now: datetime, days: int, zone: tzinfo) -> list[tuple[date, datetime, datetime]]:
    """The last `days` days up to today, oldest first, each as (date, start, end) with the
    end of today being `now`."""
    today = timezone.localtime(now, zone).date()
    bounds = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime.combine(day, time.min, tzinfo=zone)
        end = min(datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone), now)
        bounds.append((day, start, end))
    return bounds


def timeline(*, created_at: datetime, current_status: str, spans: Sequence[Segment],
             now: datetime) -> list[Segment]:
    """The component's whole history as contiguous segments from its creation to `now`."""
    ordered = sorted(spans, key=lambda s: s.start)
    if not ordered:
        return [Segment(current_status, created_at, now)]
    segments = []
    if ordered[0].start > created_at:
        segments.append(Segment(ComponentStatus.OPERATIONAL.value, created_at, ordered[0].start))
    for index, span in enumerate(ordered):
        following = ordered[index + 1].start if index + 1 < len(ordered) else now
        segments.append(Segment(span.status, span.start, min(span.end, following)))
    return segments


def day_of(segments: Iterable[Segment], *, day: date, start: datetime, end: datetime) -> Day:
    observed = down = 0.0
    seen: list[str] = []
    for segment in segments:
        lo, hi = max(segment.start, start), min(segment.end, end)
        if hi <= lo:
            continue
        seconds = (hi - lo).total_seconds()
        observed += seconds
        down += seconds * DOWN_WEIGHT.get(segment.status, 0.0)
        seen.append(segment.status)
    if not observed:
        return Day(day=day, status="", uptime=None)
    return Day(day=day, status=worst(seen), uptime=1 - down / observed)


def history(segments: Sequence[Segment], bounds: Sequence[tuple[date, datetime, datetime]]
            ) -> Uptime:
    days = tuple(day_of(segments, day=day, start=start, end=end) for day, start, end in bounds)
    observed = down = 0.0
    for (_day, start, end), result in zip(bounds, days, strict=True):
        if result.uptime is None:
            continue
        seconds = sum((min(s.end, end) - max(s.start, start)).total_seconds()
                      for s in segments if min(s.end, end) > max(s.start, start))
        observed += seconds
        down += seconds * (1 - result.uptime)
    return Uptime(days=days, uptime=None if not observed else 1 - down / observed)


def uptime_for(components: Sequence[Component], *, now: datetime | None = None,
               days: int = DAYS, zone: tzinfo | None = None) -> dict[int, Uptime]:
    """Each component's last `days` days, in one query."""
    now = now or timezone.now()
    zone = zone or timezone.get_default_timezone()
    bounds = day_bounds(now=now, days=days, zone=zone)
    window_start = bounds[0][1]
    spans: dict[int, list[Segment]] = defaultdict(list)
    rows = ComponentStatusSpan.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=window_start),
        component__in=[c.pk for c in components], started_at__lt=now,
    ).values_list("component_id", "status", "started_at", "ended_at")
    for component_id, status, started_at, ended_at in rows:
        spans[component_id].append(Segment(status, started_at, ended_at or now))
    # Spans that ended before the window are not read. Spans are contiguous, so the first
    # one read starts before the window unless it is the component's very first span.
    result = {}
    for component in components:
        first = min((s.start for s in spans[component.pk]), default=None)
        created = component.created_at if first is None else min(component.created_at, first)
        segments = timeline(created_at=created, current_status=component.status,
                            spans=spans[component.pk], now=now)
        result[component.pk] = history(segments, bounds)
    return result
