"""Business-time arithmetic: "add N business seconds to t" and "business seconds between a and
b" for a calendar of weekly hours in a time zone, minus holidays, and around pauses.

Instants are integers of microseconds since the Unix epoch (exact: no float drift). A
business calendar is turned into a sorted list of working intervals in UTC, built from local
wall times with zoneinfo (so a 09:00–17:00 day stays 09:00–17:00 local across DST changes),
with prefix sums of their lengths. B(t), the business time before t, is then one bisection,
and adding N is the inverse: the earliest instant where B reaches B(t) + N. From that:
add(add(t, a), b) == add(t, a + b), and a positive addition always lands inside working hours.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = 1_000_000
MINUTE_US = 60 * US
# Covered around the first instant asked for; extended on demand.
WINDOW_BEFORE = timedelta(days=400)
WINDOW_AFTER = timedelta(days=800)
MAX_EXTENSIONS = 20  # 20 × 800 days: a calendar with (almost) no hours cannot loop forever


def to_us(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return (value - EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class Clock(Protocol):
    def elapsed(self, start: int, end: int) -> int: ...

    def add(self, start: int, amount: int) -> int | None: ...

    def is_open(self, instant: int) -> bool: ...


class AlwaysOpen:
    """24/7: business time is wall time."""

    def elapsed(self, start: int, end: int) -> int:
        return max(0, end - start)

    def add(self, start: int, amount: int) -> int | None:
        return start + amount

    def is_open(self, instant: int) -> bool:
        return True


# weekday (Monday 0) → [(start, end)]; an end of 00:00 is midnight
Hours = dict[int, list[tuple[time, time]]]


class BusinessClock:
    """Working hours per weekday in `zone`, minus `holidays` (local dates)."""

    def __init__(self, *, zone: ZoneInfo, hours: Hours, holidays: Iterable[date] = ()) -> None:
        self.zone = zone
        self.hours = {day: sorted(spans) for day, spans in hours.items() if spans}
        self.holidays = frozenset(holidays)
        self._first: date | None = None
        self._last: date | None = None
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # business time before interval i
        self._through: list[int] = []  # business time up to the end of interval i

    # --- the intervals -----------------------------------------------------------------------

    def _day(self, day: date) -> list[tuple[int, int]]:
        if day in self.holidays:
            return []
        spans = []
        for start, end in self.hours.get(day.weekday(), ()):
            local_start = datetime.combine(day, start, tzinfo=self.zone)
            end_day = day + timedelta(days=1) if end == time(0) else day
            local_end = datetime.combine(end_day, end, tzinfo=self.zone)
            a, b = to_us(local_start), to_us(local_end)
            if b > a:
                spans.append((a, b))
        return spans

    def _append_days(self, first: date, last: date) -> None:
        day = first
        while day <= last:
            for a, b in self._day(day):
                if self._ends and a < self._ends[-1]:  # overlapping spans: merge
                    if b <= self._ends[-1]:
                        continue
                    a = self._ends[-1]
                if self._ends and a == self._ends[-1]:  # adjacent: extend
                    grown = b - a
                    self._ends[-1] = b
                    self._through[-1] += grown
                    continue
                total = self._through[-1] if self._through else 0
                self._starts.append(a)
                self._ends.append(b)
                self._before.append(total)
                self._through.append(total + b - a)
            day += timedelta(days=1)

    def _cover(self, instant: int) -> None:
        """Make sure the intervals reach a few days past `instant` on both sides."""
        day = from_us(instant).astimezone(self.zone).date()
        if self._first is None or day - timedelta(days=2) < self._first:
            first = day - WINDOW_BEFORE
            last = max(self._last or day, day + WINDOW_AFTER)
            self._starts, self._ends, self._before, self._through = [], [], [], []
            self._append_days(first, last)
            self._first, self._last = first, last
        assert self._last is not None
        if day + timedelta(days=2) > self._last:
            new_last = day + WINDOW_AFTER
            self._append_days(self._last + timedelta(days=1), new_last)
            self._last = new_last

    def _extend_forward(self) -> None:
        assert self._last is not None
        new_last = self._last + WINDOW_AFTER
        self._append_days(self._last + timedelta(days=1), new_last)
        self._last = new_last

    def position(self, instant: int) -> int:
        """B(instant): business time from the start of the covered window."""
        self._cover(instant)
        i = bisect.bisect_right(self._starts, instant) - 1
        if i < 0:
            return 0
        return self._before[i] + min(instant, self._ends[i]) - self._starts[i]

    # --- the clock ---------------------------------------------------------------------------

    def elapsed(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        self._cover(start)
        self._cover(end)
        return self.position(end) - self.position(start)

    def add(self, start: int, amount: int) -> int | None:
        if amount <= 0:
            return start
        target = self.position(start) + amount
        for _attempt in range(MAX_EXTENSIONS):
            # The first interval whose end reaches the target holds the answer.
            j = bisect.bisect_left(self._through, target)
            if j < len(self._through):
                return self._starts[j] + (target - self._before[j])
            self._extend_forward()
        logger.warning("Business calendar has no working hours in reach; no deadline")
        return None

    def is_open(self, instant: int) -> bool:
        self._cover(instant)
        i = bisect.bisect_right(self._starts, instant) - 1
        return i >= 0 and instant < self._ends[i]


# --- around pauses -------------------------------------------------------------------------

Pause = tuple[int, int | None]  # (start, end or None while it lasts), sorted, not overlapping


def deadline(clock: Clock, start: int, amount: int, pauses: Sequence[Pause]) -> int | None:
    """When `amount` business time has run from `start`, not counting `pauses`; None while
    a pause that the deadline falls in still lasts (the clock is stopped)."""
    current, remaining = start, amount
    for pause_start, pause_end in pauses:
        if pause_end is not None and pause_end <= current:
            continue
        if pause_start > current:
            step = clock.elapsed(current, pause_start)
            if step >= remaining:
                return clock.add(current, remaining)
            remaining -= step
        if pause_end is None:
            return None
        current = max(current, pause_end)
    return clock.add(current, remaining)


def elapsed(clock: Clock, start: int, end: int, pauses: Sequence[Pause]) -> int:
    """Business time between start and end, not counting pauses."""
    total, current = 0, start
    for pause_start, pause_end in pauses:
        if current >= end:
            break
        if pause_end is not None and pause_end <= current:
            continue
        if pause_start > current:
            total += clock.elapsed(current, min(pause_start, end))
        if pause_end is None:
            return total
        current = max(current, pause_end)
    if current < end:
        total += clock.elapsed(current, end)
    return total
