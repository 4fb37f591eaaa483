"""Scheduled maintenance: reminders before the window, starting and ending it on time.

Celery beat runs `maintenance_tick` every minute. Each step claims its incident with a
conditional UPDATE (only the run that changes the row goes on, so two beats, or a beat
and an agent, never post twice) and then writes through `destek.status.services`, in the
same transaction: the update and its fan-out are committed together or not at all.

- Reminder: a published maintenance whose window starts within
  `DESTEK_STATUS_REMINDER_HOURS` (24 by default) gets one "starting in …" update that
  notifies, once (`Incident.reminder_sent_at`). None when it was published inside that lead
  time: its announcement just told everyone.
- Start and end (`auto_transition`): in progress at `scheduled_start`, completed at
  `scheduled_end`. A window missed entirely (beat down) is completed without a start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from destek.status import services
from destek.status.models import Incident, IncidentKind, IncidentState

logger = logging.getLogger(__name__)


def reminder_lead() -> timedelta:
    return timedelta(hours=float(getattr(settings, "DESTEK_STATUS_REMINDER_HOURS", 24)))


def _in_both_languages(render: Callable[[], str]) -> tuple[str, str]:
    texts = []
    for language in ("en", "tr"):
        with translation.override(language):
            texts.append(render())
    return texts[0], texts[1]


def _reminder_text(incident: Incident, now: datetime) -> tuple[str, str]:
    scheduled = incident.scheduled_start
    assert scheduled is not None
    start = timezone.localtime(scheduled)  # the site's zone: one for everyone
    return _in_both_languages(lambda: _(
        "Reminder: this maintenance starts in %(time)s (%(start)s).") % {
            "time": timeuntil(scheduled, now, depth=2),
            "start": date_format(start, "DATETIME_FORMAT")})


def _scheduled() -> QuerySet[Incident]:
    return Incident.objects.filter(kind=IncidentKind.MAINTENANCE, resolved_at__isnull=True,
                                   published_at__isnull=False)


def _send_reminders(now: datetime) -> int:
    lead = reminder_lead()
    due = _scheduled().filter(
        state=IncidentState.SCHEDULED, reminder_sent_at__isnull=True,
        scheduled_start__gt=now, scheduled_start__lte=now + lead)
    sent = 0
    for incident in due:
        if incident.published_at and incident.scheduled_start \
                and incident.published_at >= incident.scheduled_start - lead:
            continue  # announced inside the lead time: the announcement was the reminder
        with transaction.atomic():
            claimed = Incident.objects.filter(
                pk=incident.pk, reminder_sent_at__isnull=True,
                state=IncidentState.SCHEDULED).update(reminder_sent_at=now)
            if not claimed:
                continue
            body, body_tr = _reminder_text(incident, now)
            services.incident_post_update(actor=None, incident=incident,
                                          state=IncidentState.SCHEDULED, body=body,
                                          body_tr=body_tr, notify=True, at=now)
            sent += 1
    return sent


def _move(now: datetime, *, from_states: list[str], to_state: str, due: QuerySet[Incident]) -> int:
    moved = 0
    for incident in due:
        with transaction.atomic():
            claimed = Incident.objects.filter(pk=incident.pk, state__in=from_states,
                                              resolved_at__isnull=True,
                                              auto_transition=True).update(state=to_state,
                                                                           updated_at=now)
            if not claimed:
                continue
            if to_state == IncidentState.IN_PROGRESS:
                body, body_tr = _in_both_languages(lambda: _("The maintenance has started."))
            else:
                body, body_tr = _in_both_languages(
                    lambda: _("The maintenance is complete. Thank you for your patience."))
            services.incident_post_update(actor=None, incident=incident, state=to_state,
                                          body=body, body_tr=body_tr, notify=True, at=now)
            moved += 1
    return moved


def maintenance_tick(now: datetime | None = None) -> dict[str, int]:
    """One beat: reminders due, windows that start, windows that end. Safe to run twice."""
    now = now or timezone.now()
    reminded = _send_reminders(now)
    auto = _scheduled().filter(auto_transition=True)
    started = _move(now, from_states=[IncidentState.SCHEDULED],
                    to_state=IncidentState.IN_PROGRESS,
                    due=auto.filter(state=IncidentState.SCHEDULED, scheduled_start__lte=now,
                                    scheduled_end__gt=now))
    ended = _move(now, from_states=[IncidentState.SCHEDULED, IncidentState.IN_PROGRESS],
                  to_state=IncidentState.COMPLETED,
                  due=auto.filter(state__in=[IncidentState.SCHEDULED,
                                             IncidentState.IN_PROGRESS],
                                  scheduled_end__lte=now))
    if reminded or started or ended:
        logger.info("maintenance: %s reminded, %s started, %s ended", reminded, started, ended)
    return {"reminded": reminded, "started": started, "ended": ended}


@shared_task(name="destek.status.tasks.maintenance.maintenance_tick")
def maintenance_tick_task() -> dict[str, int]:
    return maintenance_tick()
