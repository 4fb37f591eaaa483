"""Recomputing every open ticket's deadlines after a configuration change, in the background.

Batches of open tickets in primary-key order, from the first open one: one read (the tickets
joined to their SLA rows), the rules in memory, then one UPDATE of the SLA rows whose values
move and one INSERT of the missing ones (destek.sla.sql), one transaction per batch.
The ticket rows are never written: the deadlines live in TicketSla, whose four indexes are
all an UPDATE there has to touch. The job row records total/done (the admin's progress
bar) and the last ticket done, so a worker that dies is replaced by the sweeper and the job
resumes where it stopped. A newer job supersedes an older one still running.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from destek.sla import facts as f
from destek.sla import sql
from destek.sla.calendar import to_us
from destek.sla.engine import Facts, Stretch, compute
from destek.sla.models import RecomputeState, SlaRecompute, TicketSla
from destek.sla.policies import NO_HOSTING, Config, Hosting, load_config
from destek.tickets.models import OPEN_STATUSES, Ticket

logger = logging.getLogger(__name__)
BATCH = 5000
STALE_AFTER = timedelta(minutes=5)


def _claim(job_id: int, now: datetime) -> bool:
    """Take the job unless a live worker has it (its heartbeat is recent)."""
    return bool(SlaRecompute.objects.filter(
        Q(state=RecomputeState.PENDING) | Q(state=RecomputeState.RUNNING,
                                            heartbeat_at__lt=now - STALE_AFTER),
        pk=job_id,
    ).update(state=RecomputeState.RUNNING, heartbeat_at=now,
             started_at=timezone.now()))


def recompute_run(*, job_id: int, batch: int = BATCH, now: datetime | None = None,
                  max_batches: int | None = None) -> SlaRecompute:
    """Run (or resume) a job to the end; `max_batches` stops early (tests, benchmarks)."""
    if not _claim(job_id, timezone.now()):
        return SlaRecompute.objects.get(pk=job_id)
    job = SlaRecompute.objects.get(pk=job_id)
    rounds = 0
    try:
        while max_batches is None or rounds < max_batches:
            if SlaRecompute.objects.filter(pk__gt=job.pk).exists():
                job.state, job.error = RecomputeState.DONE, "superseded by a newer job"
                break
            with transaction.atomic():
                count, last = recompute_batch(after_id=job.last_ticket_id, limit=batch,
                                              now=now or timezone.now())
                if count:
                    job.done += count
                    job.last_ticket_id = last
                    job.heartbeat_at = timezone.now()
                    job.save(update_fields=["done", "last_ticket_id", "heartbeat_at"])
            rounds += 1
            if count < batch:
                job.state = RecomputeState.DONE
                break
    except Exception as exc:
        job.state, job.error = RecomputeState.FAILED, repr(exc)[:2000]
        logger.exception("SLA recomputation %s failed", job.pk)
    if job.state != RecomputeState.RUNNING:
        job.finished_at = timezone.now()
        job.done = max(job.done, job.total) if job.state == RecomputeState.DONE else job.done
        job.save(update_fields=["state", "error", "finished_at", "done"])
    return job


def stalled_jobs(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(SlaRecompute.objects.filter(
        Q(state=RecomputeState.PENDING, created_at__lt=now - timedelta(minutes=1))
        | Q(state=RecomputeState.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    ).values_list("pk", flat=True))


TIME_FIELDS = frozenset({"created_at", "updated_at", "first_response_at",
                         "last_agent_message_at", "last_customer_message_at", "resolved_at",
                         "awaiting_since", "first_response_due", "next_response_due",
                         "resolution_due", "progress_due", "due_at", "warn_at",
                         "next_check_at"})


def _read(queryset: QuerySet[Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """values(*names) with every instant as µs (a name is a field, or `relation__field`)."""
    return sql.read_rows(queryset, names, time_fields=TIME_FIELDS, micros=f.us)


# What the rules read of a ticket, and of its SLA state (a LEFT JOIN: None when it has none).
TICKET_FIELDS = ("id", "created_at", "updated_at", "status", "priority", "channel",
                 "department_id", "first_response_at", "last_agent_message_at",
                 "last_customer_message_at", "customer_id")
STATE_FIELDS = ("ticket", "stretches", "awaiting_since", "response_cycle")
# What the recomputation writes on TicketSla (updated_at last: set when anything moved).
SLA_COLUMNS = ("policy_id", "policy_name", "first_response_minutes", "next_response_minutes",
               "resolution_minutes", "first_response_due", "next_response_due",
               "resolution_due", "progress_due", "paused", "paused_seconds", "due_at",
               "warn_at", "next_check_at", "updated_at")
COMPARED = SLA_COLUMNS[:-1]
# A ticket without SLA state yet (it predates the engine) gets a whole row.
NEW_COLUMNS = ("ticket_id", "status", "stretches", "awaiting_since", "response_cycle",
               *SLA_COLUMNS)


def recompute_batch(*, after_id: int, limit: int, now: datetime,
                    config: Config | None = None) -> tuple[int, int]:
    """Recompute up to `limit` open tickets with pk > after_id; (count, last pk).

    One read (the tickets joined to their SLA rows, in pk order), the rules in memory, an
    UPDATE of the TicketSla rows whose values move, an INSERT of the missing ones. The
    ticket rows are not written: their deadlines live in TicketSla."""
    count, last = _recompute(Ticket.objects.filter(status__in=OPEN_STATUSES, pk__gt=after_id)
                             .order_by("pk")[:limit], config=config or load_config(), now=now)
    return count, last or after_id


def recompute_tickets(*, ticket_ids: Sequence[int], now: datetime | None = None,
                      config: Config | None = None) -> int:
    """Recompute these open tickets now, in the caller's transaction (a few: a customer's
    tier moved); the same statements as a batch of the background job."""
    done = 0
    for start in range(0, len(ticket_ids), BATCH):
        count, _last = _recompute(
            Ticket.objects.filter(status__in=OPEN_STATUSES,
                                  pk__in=list(ticket_ids[start:start + BATCH])).order_by("pk"),
            config=config or load_config(), now=now or timezone.now())
        done += count
    return done


def _recompute(tickets: QuerySet[Ticket], *, config: Config,
               now: datetime) -> tuple[int, int | None]:
    names = [*TICKET_FIELDS, *(f"sla__{n}" for n in (*STATE_FIELDS, *COMPARED))]
    # The join to the customer only when some policy looks at organizations.
    if any(p.organization_ids for p in config.policies):
        names.append("customer__organization_id")
    rows = _read(tickets, names)
    if not rows:
        return 0, None
    hosting = _hosting(config, rows)
    now_us = to_us(now)
    sla_rows: list[tuple[Any, ...]] = []
    new_rows: list[tuple[Any, ...]] = []
    for row in rows:
        has_state = row["sla__ticket"] is not None
        if not has_state:
            # As sla_refresh starts a ticket without state (facts.initial_stretches), in µs.
            since = f.status_since(row["status"], row["created_at"], row["updated_at"])
            stretches: list[Stretch] = [(since, None, row["status"])]
            awaiting = f.derived_awaiting(row)
            cycle = 1 if awaiting else 0
        else:
            stretches = f.load_stretches(row["sla__stretches"])
            awaiting, cycle = row["sla__awaiting_since"], row["sla__response_cycle"]
        policy = f.match_policy(config, row, row.get("customer__organization_id"),
                                partial(_context, hosting, row["id"]))
        computed = None
        if policy is not None:
            facts = Facts(created=row["created_at"], is_open=True,
                          responded=row["first_response_at"] or row["last_agent_message_at"],
                          resolved=None, last_agent_message=row["last_agent_message_at"],
                          awaiting_since=awaiting, response_cycle=cycle, stretches=stretches)
            computed = compute(facts=facts, policy=policy,
                               clock=config.clock(policy.calendar_id), now=now_us)
        c = f.columns_for(computed, policy, is_open=True, convert=f.same)
        values = (policy.id if policy else None, policy.name if policy else "",
                  policy.first_response_minutes if policy else None,
                  policy.next_response_minutes if policy else None,
                  policy.resolution_minutes if policy else None,
                  c.first_response_due, c.next_response_due, c.resolution_due, c.progress_due,
                  c.paused, c.paused_seconds, c.due_at, c.warn_at, c.next_check_at)
        if not has_state:
            new_rows.append((row["id"], row["status"], f.dump_stretches(stretches), awaiting,
                             cycle, *values, now_us))
        # Only rows whose values move are written: a change to one policy leaves the
        # others' tickets as they were.
        elif values != tuple(row[f"sla__{name}"] for name in COMPARED):
            sla_rows.append((row["id"], *values, now_us))
    _bulk_set(TicketSla, "ticket_id", SLA_COLUMNS, sla_rows)
    _bulk_insert(TicketSla, NEW_COLUMNS, new_rows)
    return len(rows), rows[-1]["id"]


def _context(hosting: dict[int, Hosting], ticket_id: int) -> Hosting:
    return hosting.get(ticket_id, NO_HOSTING)


def _hosting(config: Config, rows: list[dict[str, Any]]) -> dict[int, Hosting]:
    """The hosting context (service, tier, resellers) of the batch's tickets that reach a
    policy with hosting conditions, as sla_refresh looks it up: one query for the batch,
    none when no ticket needs it."""
    asking = [row["id"] for row in rows
              if f.asks_hosting(config, row, row.get("customer__organization_id"))]
    return f.hosting_facts(asking)


def _bulk_set(model: Any, key: str, columns: Sequence[str],
              rows: list[tuple[Any, ...]]) -> None:
    """Write `columns` of the rows keyed by `key` (the primary key); instants come as µs."""
    sql.update_rows(model, key, columns, rows, time_fields=TIME_FIELDS, instant=f.dt)


def _bulk_insert(model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT the rows, skipping those a concurrent change created meanwhile; instants come
    as µs."""
    sql.insert_rows(model, columns, rows, time_fields=TIME_FIELDS, instant=f.dt)
