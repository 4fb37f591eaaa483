"""Business-time arithmetic: weekends, holidays, time zones, DST, pauses; and its laws
(hypothesis): adding a then b equals adding a + b, results land in working hours, monotonic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from destek.sla.calendar import (
    MINUTE_US,
    US,
    AlwaysOpen,
    BusinessClock,
    deadline,
    elapsed,
    from_us,
    to_us,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ISTANBUL = ZoneInfo("Europe/Istanbul")
HOUR = 60 * MINUTE_US
NINE_TO_FIVE = {day: [(time(9), time(17))] for day in range(5)}


def clock(zone: ZoneInfo = BERLIN, hours=None, holidays=()) -> BusinessClock:
    return BusinessClock(zone=zone, hours=hours or NINE_TO_FIVE, holidays=holidays)


def local(zone: ZoneInfo, *args: int) -> int:
    return to_us(datetime(*args, tzinfo=zone))


def as_local(instant: int, zone: ZoneInfo) -> datetime:
    return from_us(instant).astimezone(zone)


def test_within_one_day():
    c = clock()
    start = local(BERLIN, 2025, 3, 4, 10, 0)  # a Tuesday
    assert as_local(c.add(start, 2 * HOUR), BERLIN) == datetime(2025, 3, 4, 12, tzinfo=BERLIN)


def test_over_a_weekend():
    c = clock()
    start = local(BERLIN, 2025, 3, 7, 16, 0)  # Friday 16:00, one hour left that day
    due = c.add(start, 3 * HOUR)
    assert as_local(due, BERLIN) == datetime(2025, 3, 10, 11, tzinfo=BERLIN)  # Monday 11:00
    assert c.elapsed(start, due) == 3 * HOUR


def test_starting_outside_hours_begins_at_the_next_opening():
    c = clock()
    saturday = local(BERLIN, 2025, 3, 8, 12, 0)
    assert as_local(c.add(saturday, HOUR), BERLIN) == datetime(2025, 3, 10, 10, tzinfo=BERLIN)
    assert not c.is_open(saturday)


def test_exactly_a_day_ends_at_closing_time():
    c = clock()
    start = local(BERLIN, 2025, 3, 4, 9, 0)
    assert as_local(c.add(start, 8 * HOUR), BERLIN) == datetime(2025, 3, 4, 17, tzinfo=BERLIN)


def test_holidays_are_skipped():
    c = clock(holidays=[date(2025, 3, 10)])
    start = local(BERLIN, 2025, 3, 7, 16, 0)
    assert as_local(c.add(start, 3 * HOUR), BERLIN) == datetime(2025, 3, 11, 11, tzinfo=BERLIN)


def test_spring_forward_keeps_local_hours():
    """Berlin moves to summer time on Sunday 30 March 2025: Friday 16:00 + 2 business hours
    is Monday 10:00 local, although the UTC offset changed in between."""
    c = clock()
    start = local(BERLIN, 2025, 3, 28, 16, 0)
    due = as_local(c.add(start, 2 * HOUR), BERLIN)
    assert due == datetime(2025, 3, 31, 10, tzinfo=BERLIN)
    assert due.utcoffset() == timedelta(hours=2)


def test_a_24x7_day_across_dst_is_23_hours_of_wall_clock():
    """Around the clock in New York: the business day of the spring change is 23 hours."""
    c = clock(NEW_YORK, hours={day: [(time(0), time(0))] for day in range(7)})
    start = local(NEW_YORK, 2025, 3, 9, 0, 0)
    end = local(NEW_YORK, 2025, 3, 10, 0, 0)
    assert c.elapsed(start, end) == 23 * HOUR
    assert c.add(start, 23 * HOUR) == end


def test_fall_back_day_is_25_hours():
    c = clock(NEW_YORK, hours={day: [(time(0), time(0))] for day in range(7)})
    start = local(NEW_YORK, 2025, 11, 2, 0, 0)
    end = local(NEW_YORK, 2025, 11, 3, 0, 0)
    assert c.elapsed(start, end) == 25 * HOUR


def test_time_zones_differ():
    """The same UTC instant is inside Istanbul's hours and outside New York's."""
    instant = to_us(datetime(2025, 6, 3, 8, 0, tzinfo=UTC))  # 11:00 Istanbul, 04:00 NY
    assert clock(ISTANBUL).is_open(instant)
    assert not clock(NEW_YORK).is_open(instant)


def test_split_day_and_overnight_hours():
    hours = {0: [(time(13), time(17)), (time(9), time(12))], 1: [(time(22), time(0))]}
    c = clock(hours=hours)
    monday = local(BERLIN, 2025, 3, 3, 11, 0)
    assert as_local(c.add(monday, 2 * HOUR), BERLIN) == datetime(2025, 3, 3, 14, tzinfo=BERLIN)
    # Monday 16:00 + 3 h: 1 h Monday, then Tuesday 22:00–24:00 → Wednesday 00:00.
    assert as_local(c.add(local(BERLIN, 2025, 3, 3, 16, 0), 3 * HOUR), BERLIN) == \
        datetime(2025, 3, 5, 0, tzinfo=BERLIN)


def test_far_dates_extend_the_window():
    c = clock()
    start = local(BERLIN, 2025, 1, 6, 9, 0)  # Monday
    # 600 business days of 8 hours later, across years.
    due = c.add(start, 600 * 8 * HOUR)
    assert c.elapsed(start, due) == 600 * 8 * HOUR
    assert c.elapsed(local(BERLIN, 2020, 1, 1, 0, 0), start) > 0  # and backwards


def test_pauses_move_the_deadline():
    c = AlwaysOpen()
    start = 0
    pauses = [(1 * HOUR, 3 * HOUR)]  # paused for two hours after the first
    assert deadline(c, start, 2 * HOUR, pauses) == 4 * HOUR
    assert deadline(c, start, HOUR, pauses) == HOUR  # due before the pause
    assert deadline(c, start, 2 * HOUR, [(HOUR, None)]) is None  # paused now: no deadline
    assert elapsed(c, start, 5 * HOUR, pauses) == 3 * HOUR


def test_pause_over_business_hours():
    c = clock()
    start = local(BERLIN, 2025, 3, 4, 9, 0)
    pause = (local(BERLIN, 2025, 3, 4, 10, 0), local(BERLIN, 2025, 3, 5, 10, 0))
    due = deadline(c, start, 4 * HOUR, [pause])
    assert as_local(due, BERLIN) == datetime(2025, 3, 5, 13, tzinfo=BERLIN)


# --- laws --------------------------------------------------------------------------------

ZONES = st.sampled_from([BERLIN, NEW_YORK, ISTANBUL, ZoneInfo("Australia/Sydney")])
INSTANTS = st.integers(min_value=to_us(datetime(2024, 1, 1, tzinfo=UTC)),
                       max_value=to_us(datetime(2027, 1, 1, tzinfo=UTC)))
AMOUNTS = st.integers(min_value=1, max_value=400 * HOUR)
HOLIDAYS = st.lists(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 6, 1)),
                    max_size=30)


@settings(max_examples=150, deadline=None)
@given(zone=ZONES, start=INSTANTS, a=AMOUNTS, b=AMOUNTS, holidays=HOLIDAYS)
def test_adding_a_then_b_is_adding_a_plus_b(zone, start, a, b, holidays):
    c = clock(zone, holidays=holidays)
    assert c.add(c.add(start, a), b) == c.add(start, a + b)


@settings(max_examples=150, deadline=None)
@given(zone=ZONES, start=INSTANTS, amount=AMOUNTS, holidays=HOLIDAYS)
def test_result_is_in_working_hours_and_measures_back(zone, start, amount, holidays):
    c = clock(zone, holidays=holidays)
    due = c.add(start, amount)
    assert due > start
    assert c.elapsed(start, due) == amount
    # The instant just before the deadline is inside working hours, on a working day.
    before = as_local(due - 1, zone)
    assert before.weekday() < 5 and before.date() not in set(holidays)
    assert time(9) <= before.time() < time(17)


@settings(max_examples=100, deadline=None)
@given(zone=ZONES, start=INSTANTS, a=AMOUNTS, b=AMOUNTS)
def test_monotonic(zone, start, a, b):
    c = clock(zone)
    small, large = sorted((a, b))
    assert c.add(start, small) <= c.add(start, large)
    assert c.add(start, small) <= c.add(start + US, small)


@settings(max_examples=100, deadline=None)
@given(start=st.integers(0, 100 * HOUR), amount=AMOUNTS,
       pauses=st.lists(st.tuples(st.integers(0, 200 * HOUR), st.integers(1, 20 * HOUR)),
                       max_size=5))
def test_paused_time_does_not_count(start, amount, pauses):
    spans, cursor = [], 0
    for offset, length in sorted(pauses):
        begin = max(cursor, offset)
        spans.append((begin, begin + length))
        cursor = begin + length + 1
    c = AlwaysOpen()
    due = deadline(c, start, amount, spans)
    assert due is not None
    assert elapsed(c, start, due, spans) == amount
