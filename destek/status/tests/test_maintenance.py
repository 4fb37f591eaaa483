"""The maintenance beat: one reminder before the window, started and ended on time, never
twice, drafts and hand-run windows left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from destek.status.factories import ComponentFactory
from destek.status.models import (
    ComponentStatus,
    FanoutState,
    Incident,
    IncidentKind,
    IncidentState,
)
from destek.status.services import IncidentDraft, incident_create
from destek.status.tasks.maintenance import maintenance_tick, maintenance_tick_task

pytestmark = pytest.mark.django_db


def _maintenance(start: datetime, hours: float = 2, *, publish: bool = True,
                 auto: bool = True) -> Incident:
    return incident_create(actor=None, publish=publish, draft=IncidentDraft(
        kind=IncidentKind.MAINTENANCE, title="Kernel upgrade", body="Reboot",
        body_tr="Yeniden başlatma", components=[ComponentFactory()], scheduled_start=start,
        scheduled_end=start + timedelta(hours=hours), auto_transition=auto))


def _states(incident: Incident) -> list[str]:
    return list(incident.updates.order_by("created_at", "pk").values_list("state", flat=True))


def test_the_beat_is_scheduled_every_minute() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["status-maintenance-tick"]
    assert entry["task"] == maintenance_tick_task.name and entry["schedule"] == 60.0


def test_a_reminder_is_sent_once_within_the_lead_time(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DESTEK_STATUS_REMINDER_HOURS = 24
    now = timezone.now()
    incident = _maintenance(now + timedelta(days=3))
    # Published three days ahead: nothing yet two days ahead of the window.
    assert maintenance_tick(now + timedelta(hours=24))["reminded"] == 0
    later = now + timedelta(days=2, hours=1)  # 23 h before the window
    assert maintenance_tick(later)["reminded"] == 1
    assert maintenance_tick(later + timedelta(minutes=1))["reminded"] == 0
    incident.refresh_from_db()
    assert incident.reminder_sent_at == later
    assert incident.state == IncidentState.SCHEDULED
    reminder = incident.updates.order_by("pk").last()
    assert reminder is not None and reminder.notify
    assert reminder.fanout_state == FanoutState.SENDING
    assert reminder.body.startswith("Reminder: this maintenance starts in 23")
    assert reminder.body_tr.startswith("Hatırlatma")
    assert _states(incident) == ["scheduled", "scheduled"]


def test_no_reminder_when_announced_inside_the_lead_time_or_a_draft(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DESTEK_STATUS_REMINDER_HOURS = 24
    now = timezone.now()
    soon = _maintenance(now + timedelta(hours=3))
    draft = _maintenance(now + timedelta(hours=3), publish=False)
    assert maintenance_tick(now + timedelta(minutes=1))["reminded"] == 0
    assert _states(soon) == ["scheduled"] and _states(draft) == ["scheduled"]


def test_the_window_starts_and_ends_by_itself_once() -> None:
    now = timezone.now()
    incident = _maintenance(now + timedelta(hours=1))
    component = incident.components.get()
    assert maintenance_tick(now)["started"] == 0
    at_start = now + timedelta(hours=1, seconds=30)
    assert maintenance_tick(at_start)["started"] == 1
    assert maintenance_tick(at_start)["started"] == 0  # a second beat at the same time
    incident.refresh_from_db()
    component.refresh_from_db()
    assert incident.state == IncidentState.IN_PROGRESS
    assert component.status == ComponentStatus.MAINTENANCE
    at_end = now + timedelta(hours=3, seconds=1)
    assert maintenance_tick(at_end) == {"reminded": 0, "started": 0, "ended": 1}
    assert maintenance_tick(at_end)["ended"] == 0
    incident.refresh_from_db()
    component.refresh_from_db()
    assert incident.state == IncidentState.COMPLETED and incident.resolved_at == at_end
    assert component.status == ComponentStatus.OPERATIONAL
    assert _states(incident) == ["scheduled", "in_progress", "completed"]
    assert all(u.notify for u in incident.updates.all())


def test_a_missed_window_is_completed_without_starting() -> None:
    now = timezone.now()
    incident = _maintenance(now - timedelta(hours=3), hours=1)
    assert maintenance_tick(timezone.now()) == {"reminded": 0, "started": 0, "ended": 1}
    assert _states(incident) == ["scheduled", "completed"]


def test_hand_run_windows_and_drafts_are_left_alone() -> None:
    now = timezone.now()
    by_hand = _maintenance(now - timedelta(minutes=5), auto=False)
    draft = _maintenance(now - timedelta(minutes=5), publish=False)
    assert maintenance_tick(now) == {"reminded": 0, "started": 0, "ended": 0}
    assert _states(by_hand) == ["scheduled"] and _states(draft) == ["scheduled"]


def test_a_beat_that_lost_the_race_posts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two beats read the same due window; the one whose conditional update changes no row
    (the other already moved it) posts nothing."""
    now = timezone.now()
    incident = _maintenance(now - timedelta(minutes=1))
    Incident.objects.filter(pk=incident.pk).update(state=IncidentState.IN_PROGRESS)
    from destek.status.tasks import maintenance as module

    stale = list(Incident.objects.filter(pk=incident.pk))
    stale[0].state = IncidentState.SCHEDULED
    moved = module._move(now, from_states=[IncidentState.SCHEDULED],
                         to_state=IncidentState.IN_PROGRESS,
                         due=Incident.objects.filter(pk=incident.pk))
    assert moved == 0
    assert _states(incident) == ["scheduled"]


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_post_each_step_once_on_postgresql(settings) -> None:  # type: ignore[no-untyped-def]
    """Real concurrency: two beats in two threads (two connections) read the same due
    window at the same moment; the conditional UPDATE lets one of them post."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (SQLite serialises whole writes)")
    settings.DESTEK_STATUS_REMINDER_HOURS = 24
    now = timezone.now()
    reminded = _maintenance(now + timedelta(days=3))
    starting = _maintenance(now + timedelta(minutes=30))
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(2)

    def beat(at: datetime) -> None:
        try:
            barrier.wait()
            results.append(maintenance_tick(at))
        finally:
            connections.close_all()

    for at in (now + timedelta(minutes=31), now + timedelta(days=2, hours=1)):
        results.clear()
        threads = [threading.Thread(target=beat, args=(at,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 2
    assert _states(reminded) == ["scheduled", "scheduled"]
    assert _states(starting) == ["scheduled", "in_progress", "completed"]
