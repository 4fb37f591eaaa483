"""The on-call rota: who is on duty for a department now, and the out-of-hours alert for
critical tickets (once per ticket)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from destek.accounts.models import User
from destek.sla.calendar import to_us
from destek.sla.models import AlertKind, Metric, OnCallShift, OnCallWeekly, SlaAlert
from destek.sla.policies import load_config
from destek.sla.services.notify import notify_agent
from destek.tickets.models import Priority, Ticket


def _weekly_covers(slot: OnCallWeekly, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(slot.timezone))
    t = local.time()
    overnight = slot.end <= slot.start
    if local.weekday() == slot.weekday and t >= slot.start and (overnight or t < slot.end):
        return True
    yesterday = (local - timedelta(days=1)).weekday()
    return overnight and yesterday == slot.weekday and t < slot.end


def agents_on_duty(*, department_id: int, now: datetime | None = None) -> list[User]:
    """Active agents with a shift or a weekly slot covering `now` (two queries)."""
    now = now or timezone.now()
    ids = list(OnCallShift.objects.filter(department_id=department_id, starts_at__lte=now,
                                          ends_at__gt=now).values_list("agent_id", flat=True))
    for slot in OnCallWeekly.objects.filter(department_id=department_id):
        if _weekly_covers(slot, now):
            ids.append(slot.agent_id)
    if not ids:
        return []
    people = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    return [people[i] for i in dict.fromkeys(ids) if i in people and people[i].is_agent]


def is_out_of_hours(now: datetime) -> bool:
    """Outside the office-hours calendar (no such calendar: always "out of hours", so an
    on-call rota still works for a company that runs only on shifts)."""
    office = load_config().office_clock
    return office is None or not office.is_open(to_us(now))


def alert_on_call_if_needed(*, ticket: Ticket, now: datetime | None = None,
                            due_at: datetime | None = None, new_ticket: bool = False) -> int:
    """A critical open ticket out of hours tells whoever is on duty, once; returns how many
    agents were told. `due_at`: the ticket's next deadline (its SLA row's), for the message;
    `new_ticket`: it was opened in this transaction, so no alert can exist yet."""
    now = now or timezone.now()
    if ticket.priority != Priority.CRITICAL or not ticket.is_open or not is_out_of_hours(now):
        return 0
    if not new_ticket and SlaAlert.objects.filter(ticket_id=ticket.pk,
                                                  metric=Metric.ON_CALL).exists():
        return 0
    agents = agents_on_duty(department_id=ticket.department_id, now=now)
    if not agents:
        return 0
    try:
        with transaction.atomic():
            SlaAlert.objects.create(ticket_id=ticket.pk, metric=Metric.ON_CALL,
                                    kind=AlertKind.ON_CALL, cycle=0, created_at=now,
                                    recipients=[a.pk for a in agents])
    except IntegrityError:
        return 0  # told already, by a concurrent change
    told = 0
    for agent in agents:
        told += notify_agent(key="sla_on_call", recipient=agent, ticket=ticket,
                             idempotency_key=f"sla-{ticket.pk}-on_call-{agent.pk}",
                             metric="", due_at=due_at)
    return told
