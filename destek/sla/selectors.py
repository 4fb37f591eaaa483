"""Reads for the desk and the portal: SLA state of many tickets at once, one ticket's history,
and the queue filters. Nothing here writes.

Queue sort and filters use the deadlines on the ticket's SLA row (TicketSla.due_at and
warn_at, joined by the ticket's primary key; partial index sla_open_due):
  annotate(**SLA_COLUMNS)     the row's `sla_due_at` and `sla_warn_at` (one LEFT JOIN)
  order_by(*SLA_ORDER)        next deadline first, tickets without one last
  filter(sla_breached_q(now)) a running target is past its deadline
  filter(sla_at_risk_q(now))  past the warning, not yet breached
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q

from destek.core.compat import selected_relation
from destek.sla.models import AlertKind, Metric, SlaAlert, SlaCycle, SlaRecompute, TicketSla
from destek.tickets.models import Ticket

SLA_COLUMNS = {"sla_due_at": F("sla__due_at"), "sla_warn_at": F("sla__warn_at")}
SLA_ORDER = (F("sla__due_at").asc(nulls_last=True), "id")
RESPONSE_METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)
SLA_FILTERS = ("breached", "at_risk")


def sla_breached_q(now: datetime) -> Q:
    return Q(sla__due_at__lte=now)


def sla_at_risk_q(now: datetime) -> Q:
    return Q(sla__warn_at__lte=now, sla__due_at__gt=now)


def sla_filter_q(name: str, now: datetime) -> Q:
    """A queue's SLA filter by name (one of SLA_FILTERS)."""
    return sla_breached_q(now) if name == "breached" else sla_at_risk_q(now)


@dataclass(frozen=True)
class SlaState:
    """A ticket's SLA at a glance: the next deadline of a running target and its kind."""

    ticket_id: int
    policy_name: str
    due_at: datetime | None  # the next deadline (None: nothing running, or paused)
    metric: str | None  # Metric value of that deadline
    warn_at: datetime | None
    paused: bool
    response_due_at: datetime | None  # when the customer can expect an answer

    def is_breached(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at <= now

    def is_at_risk(self, now: datetime) -> bool:
        return (self.warn_at is not None and self.warn_at <= now
                and not self.is_breached(now))

    def level(self, now: datetime) -> str:
        """"breached", "at_risk", "paused", "ok" or "none" (for a colour)."""
        if self.is_breached(now):
            return "breached"
        if self.is_at_risk(now):
            return "at_risk"
        if self.paused:
            return "paused"
        return "ok" if self.due_at is not None else "none"

    def seconds_left(self, now: datetime) -> int | None:
        """Negative once breached: the countdown."""
        return None if self.due_at is None else int((self.due_at - now).total_seconds())


def _state(row: TicketSla, warn_at: datetime | None) -> SlaState:
    dues = [(row.first_response_due, Metric.FIRST_RESPONSE),
            (row.next_response_due, Metric.NEXT_RESPONSE),
            (row.resolution_due, Metric.RESOLUTION)]
    running = [(due, metric) for due, metric in dues if due is not None]
    due_at, metric = min(running, key=lambda pair: pair[0]) if running else (None, None)
    responses = [due for due, m in dues if due is not None and m in RESPONSE_METRICS]
    return SlaState(ticket_id=row.ticket_id, policy_name=row.policy_name, due_at=due_at,
                    metric=metric, warn_at=warn_at, paused=row.paused,
                    response_due_at=min(responses, default=None))


def sla_state_for_tickets(*, ticket_ids: Iterable[int]) -> dict[int, SlaState]:
    """The SLA state of each ticket that has one, in one query."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = (TicketSla.objects.filter(ticket_id__in=ids)
            .only("ticket_id", "policy_name", "first_response_due", "next_response_due",
                  "resolution_due", "paused", "warn_at"))
    return {row.ticket_id: _state(row, row.warn_at) for row in rows}


def sla_state_for_ticket(*, ticket: Ticket) -> SlaState | None:
    return sla_state_for_tickets(ticket_ids=[ticket.pk]).get(ticket.pk)


def sla_customer_expectation(*, ticket: Ticket) -> datetime | None:
    """When the customer can expect an answer (the portal's "expect an answer by"):
    None when no response target is running (answered, paused, done)."""
    state = sla_state_for_ticket(ticket=ticket)
    return state.response_due_at if state is not None else None


@dataclass(frozen=True)
class RunningTarget:
    metric: str
    minutes: int | None
    due_at: datetime | None


@dataclass(frozen=True)
class SlaHistory:
    policy_name: str
    warn_at: datetime | None  # the warning of the nearest running target
    targets: dict[str, int | None]  # metric → minutes (None: not measured)
    running: list[RunningTarget]
    paused: bool
    paused_seconds: int
    cycles: list[SlaCycle]  # ended targets: met or breached
    alerts: list[SlaAlert]  # warnings, breaches, escalations, reminders sent


def sla_history(*, ticket: Ticket) -> SlaHistory | None:
    """The ticket view's SLA panel, in three queries (two when the ticket was read with its
    SLA row, `select_related("sla")`); None if the ticket has no SLA."""
    loaded, row = selected_relation(ticket, "sla")
    if not loaded:
        row = TicketSla.objects.filter(ticket_id=ticket.pk).first()
    if row is None:
        return None
    running = [RunningTarget(Metric.FIRST_RESPONSE, row.first_response_minutes,
                             row.first_response_due),
               RunningTarget(Metric.NEXT_RESPONSE, row.next_response_minutes,
                             row.next_response_due),
               RunningTarget(Metric.RESOLUTION, row.resolution_minutes, row.resolution_due)]
    cycles = list(SlaCycle.objects.filter(ticket_id=ticket.pk).order_by("completed_at", "id"))
    alerts = list(SlaAlert.objects.filter(ticket_id=ticket.pk, skipped=False)
                  .exclude(kind=AlertKind.ON_CALL).order_by("created_at", "id"))
    return SlaHistory(
        policy_name=row.policy_name, warn_at=row.warn_at,
        targets={Metric.FIRST_RESPONSE: row.first_response_minutes,
                 Metric.NEXT_RESPONSE: row.next_response_minutes,
                 Metric.RESOLUTION: row.resolution_minutes},
        running=[r for r in running if r.due_at is not None], paused=row.paused,
        paused_seconds=row.paused_seconds, cycles=cycles, alerts=alerts,
    )


def recompute_progress() -> dict[str, object] | None:
    """The latest deadline recomputation (for a progress bar), or None."""
    job = SlaRecompute.objects.order_by("-created_at", "-id").first()
    if job is None:
        return None
    return {"id": job.pk, "state": job.state, "total": job.total, "done": job.done,
            "percent": job.percent, "created_at": job.created_at,
            "finished_at": job.finished_at}
