"""The periodic breach scan (Celery beat, every 30 s): tickets whose next check is due, found
by a range scan on the partial index sla_next_check of TicketSla, in batches.

Exactly once, whatever happens: each batch runs in one transaction that locks its tickets
and their SLA rows (FOR UPDATE SKIP LOCKED, so a doubled task takes other rows or none),
records every alert under a unique (ticket, metric, kind, cycle) key, writes the outbox
rows, and moves the next check past `now`. A crash rolls all of it back; the next run redoes
it.
Catching up after downtime evaluates each ticket once at `now`: one breach per target,
its overtaken warning recorded as skipped, never one message per missed minute.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from destek.sla import facts as f
from destek.sla.calendar import to_us
from destek.sla.engine import Action, compute, due_actions
from destek.sla.models import AlertKind, SlaAlert, TicketSla
from destek.sla.policies import Config, Policy, load_config
from destek.sla.services.escalation import carry_out
from destek.sla.services.progress import latest_public_agent_messages
from destek.tickets.models import OPEN_STATUSES, Ticket

logger = logging.getLogger(__name__)
BATCH = 200
MAX_BATCHES = 50  # one run handles up to 10,000 due tickets; the next run goes on


@dataclass
class ScanResult:
    checked: int = 0
    alerts: int = 0
    # (ticket, metric, kind, cycle) of every alert acted on
    sent: list[tuple[int, str, str, int]] = field(default_factory=list)


def due_tickets_query(now: datetime, limit: int) -> QuerySet[TicketSla]:
    """The range scan: due SLA rows by the partial index, with their tickets; both rows
    locked (a reassignment writes the ticket), skipping those another transaction holds."""
    query = (TicketSla.objects.filter(next_check_at__lte=now)
             .order_by("next_check_at")
             .select_related("ticket__assignee", "ticket__department__supervisor",
                             "ticket__customer"))
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self", "ticket"))
    return query[:limit]


def sla_scan(*, now: datetime | None = None, batch: int = BATCH,
             max_batches: int = MAX_BATCHES) -> ScanResult:
    now = now or timezone.now()
    result = ScanResult()
    for _round in range(max_batches):
        with transaction.atomic():
            handled = _scan_batch(now=now, limit=batch, result=result)
        if handled < batch:
            break
    return result


def _scan_batch(*, now: datetime, limit: int, result: ScanResult) -> int:
    states = list(due_tickets_query(now, limit))
    if not states:
        return 0
    config = load_config()
    ids = [s.ticket_id for s in states]
    done: dict[int, set[tuple[str, str, int]]] = defaultdict(set)
    for ticket_id, metric, kind, cycle in SlaAlert.objects.filter(ticket_id__in=ids) \
            .values_list("ticket_id", "metric", "kind", "cycle"):
        done[ticket_id].add((metric, kind, cycle))
    next_checks: dict[int, datetime | None] = {}
    no_longer_open: list[TicketSla] = []
    new_alerts: list[SlaAlert] = []
    evaluated = []
    for sla in states:
        ticket = sla.ticket
        policy, actions, next_check = _evaluate(ticket, sla, config, now, done[ticket.pk])
        next_checks[ticket.pk] = next_check
        if ticket.status not in OPEN_STATUSES and sla.due_at is not None:
            # Closed by a path that did not refresh the SLA: no deadline in the queues.
            no_longer_open.append(TicketSla(ticket_id=ticket.pk, due_at=None, warn_at=None))
        evaluated.append((ticket, policy, actions))
    # What the customer updates quote, read for the whole batch at once.
    latest = latest_public_agent_messages(
        [t.pk for t, _p, actions in evaluated
         if any(a.kind == AlertKind.CUSTOMER_UPDATE for a in actions)])
    for ticket, policy, actions in evaluated:
        for action in actions:
            assert policy is not None
            recipients = carry_out(ticket=ticket, action=action, policy=policy, now=now,
                                   latest_message=latest.get(ticket.pk))
            new_alerts.append(SlaAlert(
                ticket_id=ticket.pk, metric=action.metric, kind=action.kind,
                cycle=action.cycle, due_at=f.dt(action.due), created_at=now,
                skipped=action.skipped, recipients=recipients))
            if not action.skipped:
                result.sent.append((ticket.pk, action.metric, action.kind, action.cycle))
    # The locks make conflicts impossible between scans; ignore_conflicts is the backstop
    # (and the outbox's idempotency keys keep any email single).
    SlaAlert.objects.bulk_create(new_alerts, ignore_conflicts=True)
    _store_next_checks(next_checks)
    if no_longer_open:
        TicketSla.objects.bulk_update(no_longer_open, ["due_at", "warn_at"])
    result.checked += len(states)
    result.alerts += len(new_alerts)
    return len(states)


def _evaluate(ticket: Ticket, sla: TicketSla | None, config: Config, now: datetime,
              done: set[tuple[str, str, int]]
              ) -> tuple[Policy | None, list[Action], datetime | None]:
    if sla is None or ticket.status not in OPEN_STATUSES:
        return None, [], None
    policy = config.policy_by_id(sla.policy_id)
    if policy is None:
        return None, [], None
    stretches = f.load_stretches(sla.stretches)
    facts = f.facts_for(ticket_values=ticket.__dict__, stretches=stretches,
                        awaiting_since=sla.awaiting_since, response_cycle=sla.response_cycle)
    computed = compute(facts=facts, policy=policy, clock=config.clock(policy.calendar_id),
                       now=to_us(now))
    actions, upcoming = due_actions(computed=computed, facts=facts, policy=policy,
                                    now=to_us(now), done=done)
    return policy, actions, f.dt(upcoming)


def _store_next_checks(next_checks: dict[int, datetime | None]) -> None:
    """One UPDATE per distinct value is wasteful; bulk_update writes them all at once."""
    rows = [TicketSla(ticket_id=pk, next_check_at=at) for pk, at in next_checks.items()]
    TicketSla.objects.bulk_update(rows, ["next_check_at"])
