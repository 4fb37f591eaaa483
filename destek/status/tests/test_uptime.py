"""The 90-day uptime arithmetic (destek.status.uptime): weights, day cuts, no-data days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from destek.status.factories import ComponentFactory
from destek.status.models import ComponentStatus
from destek.status.services import component_set_status
from destek.status.uptime import (
    PARTIAL_WEIGHT,
    Segment,
    day_bounds,
    history,
    timeline,
    uptime_for,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
OP, MAJOR, PARTIAL, MAINT = (ComponentStatus.OPERATIONAL, ComponentStatus.MAJOR_OUTAGE,
                             ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAINTENANCE)


def _bounds(days: int = 3) -> list[tuple[date, datetime, datetime]]:
    return day_bounds(now=NOW, days=days, zone=UTC)


def test_day_bounds_end_today_at_now_in_the_zone() -> None:
    bounds = _bounds(90)
    assert len(bounds) == 90
    assert bounds[-1] == (date(2026, 12, 7), datetime(2026, 12, 7, tzinfo=UTC), NOW)
    assert bounds[0][0] == date(2026, 9, 9)


def test_major_outage_is_down_partial_is_weighted_and_maintenance_is_up() -> None:
    day = datetime(2026, 12, 6, tzinfo=UTC)
    segments = timeline(created_at=datetime(2026, 1, 1, tzinfo=UTC), current_status=OP, spans=[
        Segment(MAJOR, day + timedelta(hours=0), day + timedelta(hours=6)),  # a quarter down
        Segment(MAINT, day + timedelta(hours=6), day + timedelta(hours=12)),
        Segment(PARTIAL, day + timedelta(hours=12), day + timedelta(hours=18)),
        Segment(OP, day + timedelta(hours=18), NOW),
    ], now=NOW)
    result = history(segments, _bounds())
    yesterday = result.days[1]
    assert yesterday.status == MAJOR
    assert yesterday.uptime == pytest.approx(1 - (6 + 6 * PARTIAL_WEIGHT) / 24)
    assert result.days[2].uptime == 1.0 and result.days[2].status == OP
    # The first day was operational (before the first span), so the window's figure weighs
    # the 60 observed hours.
    assert result.uptime == pytest.approx(1 - (6 + 6 * PARTIAL_WEIGHT) / 60)
    assert result.percent == round(result.uptime * 100, 2)


def test_days_before_the_component_existed_have_no_data() -> None:
    created = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    result = history(timeline(created_at=created, current_status=MAJOR, spans=[], now=NOW),
                     _bounds())
    assert [d.uptime for d in result.days] == [None, None, 0.0]
    assert [d.status for d in result.days] == ["", "", MAJOR]
    assert result.uptime == 0.0


@pytest.mark.django_db
def test_uptime_for_reads_spans_of_every_component_in_one_query(
        django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    created = NOW - timedelta(days=200)
    a = ComponentFactory(created_at=created)
    b = ComponentFactory(created_at=created)
    component_set_status(component=a, status=MAJOR, at=NOW - timedelta(days=100))  # before
    component_set_status(component=a, status=OP, at=NOW - timedelta(hours=30))
    component_set_status(component=b, status=PARTIAL, at=NOW - timedelta(hours=12))
    with django_assert_num_queries(1):
        result = uptime_for([a, b], now=NOW, days=3, zone=UTC)
    # a: down from the window's start until 30 hours ago (yesterday 06:00), then up.
    assert [d.status for d in result[a.pk].days] == [MAJOR, MAJOR, OP]
    assert result[a.pk].days[0].uptime == 0.0
    assert result[a.pk].days[1].uptime == pytest.approx(0.75)
    # b: operational until its partial outage 12 hours ago (today, from midnight to noon).
    assert [d.status for d in result[b.pk].days] == [OP, OP, PARTIAL]
    assert result[b.pk].days[2].uptime == pytest.approx(1 - PARTIAL_WEIGHT)
