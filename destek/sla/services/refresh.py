"""Keeping one ticket's SLA up to date as it changes (called by the domain-event subscribers,
inside the service's transaction: the deadlines commit with the change).

Cost per change: the configuration version with the ticket's SLA row (one query), and one
UPDATE of that row when something moved (none for a change that moves nothing). A ticket
that reaches a policy with hosting conditions (service kind, plan, server, tier, reseller)
costs one query more, for its hosting context; the others none.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.utils import timezone

from destek.sla import facts as f
from destek.sla.calendar import from_us, to_us
from destek.sla.engine import Computed, Facts, Target, compute, pauses_for
from destek.sla.models import Metric, SlaCycle, TicketSla
from destek.sla.policies import Config, Policy, load_config, version_subquery
from destek.tickets.models import DONE_STATUSES, Ticket

TICKET_FIELDS = ("created_at", "status", "priority", "channel", "department_id",
                 "first_response_at", "last_agent_message_at", "last_customer_message_at",
                 "resolved_at", "updated_at")


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in TICKET_FIELDS}


def _organization(config: Config, ticket: Ticket) -> int | None:
    """Only looked up when some policy asks (most installations never do)."""
    if any(p.organization_ids for p in config.policies):
        return ticket.customer.organization_id
    return None


def _paused_within(computed: Computed, facts: Facts, policy: Policy, start: int,
                   end: int) -> int:
    total = 0
    for pause_start, pause_end in pauses_for(policy, facts.stretches):
        a, b = max(start, pause_start), min(end, pause_end if pause_end is not None else end)
        total += max(0, b - a)
    return total // 1_000_000


def _cycle(ticket: Ticket, target: Target, completed: int, facts: Facts, policy: Policy,
           computed: Computed) -> SlaCycle:
    return SlaCycle(
        ticket_id=ticket.pk, metric=target.metric, cycle=target.cycle,
        target_minutes=target.minutes, started_at=from_us(target.started),
        due_at=f.dt(target.due), completed_at=from_us(completed),
        breached=target.due is not None and completed > target.due,
        paused_seconds=_paused_within(computed, facts, policy, target.started, completed),
    )


def sla_refresh(*, ticket: Ticket, now: datetime | None = None, customer_waiting: bool = False,
                agent_answered: bool = False, at: datetime | None = None,
                created: bool = False) -> TicketSla | None:
    """Bring the ticket's SLA up to date after a change.

    customer_waiting: a public customer message arrived at `at` (a response is owed);
    agent_answered: a public agent message was posted at `at` (the response cycle ends).
    """
    now = now or timezone.now()
    at = at or now
    # One query for the SLA row and the configuration version (a reply costs no more).
    # (One row per ticket: sliced, not .first(), which would add an ORDER BY to compile.)
    found: TicketSla | None = None if created else next(iter(
        TicketSla.objects.filter(ticket_id=ticket.pk)
        .annotate(config_version=version_subquery())[:1]), None)
    config = load_config(version=getattr(found, "config_version", None) or None)
    values = ticket_values(ticket)
    if found is not None:
        sla, is_new = found, False
    else:
        awaiting = None if created else f.derived_awaiting(values)
        # A ticket that predates the engine and awaits an answer is in its first response
        # cycle, as the bulk recompute counts it (a new ticket's first message opens it below).
        sla = TicketSla(ticket_id=ticket.pk, status=ticket.status,
                        stretches=f.dump_stretches(f.initial_stretches(
                            status=ticket.status, created_at=ticket.created_at,
                            updated_at=ticket.created_at if created else ticket.updated_at)),
                        awaiting_since=awaiting, response_cycle=1 if awaiting else 0)
        is_new = True
    stretches = f.with_status(f.load_stretches(sla.stretches), ticket.status, to_us(now))
    if customer_waiting and sla.awaiting_since is None:
        sla.awaiting_since = at
        sla.response_cycle += 1
    policy = f.match_policy(config, values, _organization(config, ticket),
                            f.hosting_lookup(ticket.pk))
    facts = f.facts_for(ticket_values=values, stretches=stretches,
                        awaiting_since=sla.awaiting_since, response_cycle=sla.response_cycle)
    clock = config.clock(policy.calendar_id) if policy else None
    computed = compute(facts=facts, policy=policy, clock=clock, now=to_us(now)) \
        if policy and clock else None
    finished = _finished_cycles(ticket, facts, policy, computed, at=to_us(at),
                                agent_answered=agent_answered)
    if agent_answered and sla.awaiting_since is not None:
        sla.awaiting_since = None
        if policy and clock:
            facts = replace(facts, awaiting_since=None)
            computed = compute(facts=facts, policy=policy, clock=clock, now=to_us(now))
    columns = f.columns_for(computed, policy, is_open=ticket.is_open)
    _store(sla, ticket, policy, stretches, columns, now, is_new=is_new)
    if finished:
        SlaCycle.objects.bulk_create(finished, ignore_conflicts=True)
    return sla


def _finished_cycles(ticket: Ticket, facts: Facts, policy: Policy | None,
                     computed: Computed | None, *, at: int,
                     agent_answered: bool) -> list[SlaCycle]:
    """Targets that ended with this change: first response, a response cycle, resolution."""
    if policy is None or computed is None:
        return []
    out = []
    for target in computed.targets:
        first_answer = target.metric == Metric.FIRST_RESPONSE and target.completed == at
        if agent_answered and (first_answer or target.metric == Metric.NEXT_RESPONSE):
            out.append(_cycle(ticket, target, at, facts, policy, computed))
        elif target.metric == Metric.RESOLUTION and ticket.status in DONE_STATUSES \
                and target.completed is not None:
            out.append(_cycle(ticket, target, target.completed, facts, policy, computed))
    return out


SLA_STATE_FIELDS = ("status", "stretches", "awaiting_since", "response_cycle", "policy_id",
                    "policy_name", "first_response_minutes", "next_response_minutes",
                    "resolution_minutes", "first_response_due", "next_response_due",
                    "resolution_due", "progress_due", "paused", "paused_seconds", "due_at",
                    "warn_at", "next_check_at")


def _snapshot(obj: object, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in names)


def _store(sla: TicketSla, ticket: Ticket, policy: Policy | None, stretches: list[Any],
           columns: f.Columns, now: datetime, *, is_new: bool) -> None:
    """Write only what changed: a customer's second message usually moves nothing. The
    ticket row itself is never written here (the service that published the event owns it)."""
    sla_before = _snapshot(sla, SLA_STATE_FIELDS)
    sla.status = ticket.status
    sla.stretches = f.dump_stretches(stretches)
    sla.policy_id = policy.id if policy else None
    sla.policy_name = policy.name if policy else ""
    sla.first_response_minutes = policy.first_response_minutes if policy else None
    sla.next_response_minutes = policy.next_response_minutes if policy else None
    sla.resolution_minutes = policy.resolution_minutes if policy else None
    sla.first_response_due = columns.first_response_due
    sla.next_response_due = columns.next_response_due
    sla.resolution_due = columns.resolution_due
    sla.progress_due = columns.progress_due
    sla.paused = columns.paused
    sla.paused_seconds = columns.paused_seconds
    sla.due_at = columns.due_at
    sla.warn_at = columns.warn_at
    sla.next_check_at = columns.next_check_at
    if is_new or _snapshot(sla, SLA_STATE_FIELDS) != sla_before:
        sla.updated_at = now
        sla.save(force_insert=is_new)
