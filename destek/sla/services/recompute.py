"""Recomputing every open ticket's deadlines after a configuration change, in the background.

Batches of open tickets in primary-key order: two reads (tickets, their SLA rows), the rules
in memory, then one UPDATE … FROM (VALUES …) per table on PostgreSQL (bulk_update
elsewhere), one transaction per batch. The job row records total/done (the admin's progress
bar) and the last ticket done, so a worker that dies is replaced by the sweeper and the job
resumes where it stopped. A newer job supersedes an older one still running.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Func, Q, QuerySet
from django.utils import timezone

from destek.sla import facts as f
from destek.sla.calendar import to_us
from destek.sla.engine import Facts, Stretch, compute
from destek.sla.models import RecomputeState, SlaRecompute, SlaSettings, TicketSla
from destek.sla.policies import Config, current_version, forget_config, load_config
from destek.tickets.models import OPEN_STATUSES, Ticket

logger = logging.getLogger(__name__)
BATCH = 5000
STALE_AFTER = timedelta(minutes=5)
FIELDS = ("id", "created_at", "updated_at", "status", "priority", "channel", "department_id",
          "first_response_at", "last_agent_message_at", "last_customer_message_at",
          "resolved_at", "sla_due_at", "sla_warn_at", "sla_next_check_at",
          "customer__organization_id")


def sla_config_changed(*, reason: str) -> SlaRecompute:
    """Every process reloads the configuration; open tickets are recomputed in the background."""
    updated = SlaSettings.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        SlaSettings.objects.get_or_create(pk=1, defaults={"version": 2})
    forget_config()
    return recompute_start(reason=reason)


def recompute_start(*, reason: str) -> SlaRecompute:
    total = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    job = SlaRecompute.objects.create(version=current_version(), reason=reason[:200],
                                      total=total)

    def enqueue() -> None:
        from destek.sla.tasks import sla_recompute

        try:
            sla_recompute.delay(job.pk)
        except Exception:  # the sweeper starts it later
            logger.warning("Could not enqueue SLA recomputation %s", job.pk, exc_info=True)

    transaction.on_commit(enqueue, robust=True)
    return job


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
                         "sla_due_at", "sla_warn_at", "sla_next_check_at", "awaiting_since",
                         "first_response_due", "next_response_due", "resolution_due",
                         "progress_due"})


class EpochMicros(Func):
    """A timestamp as integer microseconds since the epoch (PostgreSQL): a bigint loads
    an order of magnitude faster than a datetime, and the rules work in µs anyway."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def _read(queryset: QuerySet[Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """values(*names) with every instant as µs."""
    if connection.vendor == "postgresql":
        times = {f"{n}__us": EpochMicros(F(n)) for n in names if n in TIME_FIELDS}
        plain = [n for n in names if n not in TIME_FIELDS]
        rows = list(queryset.annotate(**times).values(*plain, *times))
        for row in rows:
            for name in times:
                row[name[:-4]] = row.pop(name)
        return rows
    rows = list(queryset.values(*names))
    for row in rows:
        for name in TIME_FIELDS.intersection(row):
            row[name] = f.us(row[name])
    return rows


def recompute_batch(*, after_id: int, limit: int, now: datetime,
                    config: Config | None = None) -> tuple[int, int]:
    """Recompute up to `limit` open tickets with pk > after_id; (count, last pk)."""
    config = config or load_config()
    # The join to the customer only when some policy looks at organizations.
    fields = FIELDS if any(p.organization_ids for p in config.policies) else FIELDS[:-1]
    ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES, pk__gt=after_id)
               .order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0, after_id
    rows = _read(Ticket.objects.filter(pk__in=ids).order_by("pk"), fields)
    states = {s["ticket_id"]: s for s in _read(
        TicketSla.objects.filter(ticket_id__in=ids),
        ("ticket_id", "stretches", "awaiting_since", "response_cycle", *SLA_COLUMNS[:-1]))}
    now_us = to_us(now)
    ticket_rows: list[tuple[Any, ...]] = []
    sla_rows: list[tuple[Any, ...]] = []
    new_slas: list[TicketSla] = []
    for row in rows:
        state = states.get(row["id"])
        if state is None:
            since = row["created_at"] if row["status"] in ("new", "open") else row["updated_at"]
            stretches: list[Stretch] = [(since, None, row["status"])]
            customer, agent = row["last_customer_message_at"], row["last_agent_message_at"]
            awaiting = customer if customer is not None and (
                agent is None or agent < customer) else None
            cycle = 1 if awaiting else 0
        else:
            stretches = f.load_stretches(state["stretches"])
            awaiting, cycle = state["awaiting_since"], state["response_cycle"]
        policy = f.match_policy(config, row, row.get("customer__organization_id"))
        computed = None
        if policy is not None:
            facts = Facts(created=row["created_at"], is_open=True,
                          responded=row["first_response_at"] or row["last_agent_message_at"],
                          resolved=None, last_agent_message=row["last_agent_message_at"],
                          awaiting_since=awaiting, response_cycle=cycle, stretches=stretches)
            computed = compute(facts=facts, policy=policy,
                               clock=config.clock(policy.calendar_id), now=now_us)
        c = f.columns_for(computed, policy, is_open=True, convert=f.same)
        # Only rows whose values move are written: an UPDATE of a ticket touches all of its
        # indexes, and a change to one policy leaves the others' tickets as they were.
        columns = (c.sla_due_at, c.sla_warn_at, c.sla_next_check_at)
        if columns != (row["sla_due_at"], row["sla_warn_at"], row["sla_next_check_at"]):
            ticket_rows.append((row["id"], *columns))
        values = (policy.id if policy else None, policy.name if policy else "",
                  policy.first_response_minutes if policy else None,
                  policy.next_response_minutes if policy else None,
                  policy.resolution_minutes if policy else None,
                  c.first_response_due, c.next_response_due, c.resolution_due, c.progress_due,
                  c.paused, c.paused_seconds)
        if state is None:
            fields_values = {name: f.dt(value) if name in TIME_FIELDS else value
                             for name, value in zip(SLA_COLUMNS[:-1], values, strict=True)}
            new_slas.append(TicketSla(
                ticket_id=row["id"], status=row["status"],
                stretches=f.dump_stretches(stretches), awaiting_since=f.dt(awaiting),
                response_cycle=cycle, updated_at=now, **fields_values))
        elif values != tuple(state[name] for name in SLA_COLUMNS[:-1]):
            sla_rows.append((row["id"], *values, now_us))
    _bulk_set(Ticket, "id", TICKET_COLUMNS, ticket_rows)
    _bulk_set(TicketSla, "ticket_id", SLA_COLUMNS, sla_rows)
    if new_slas:
        TicketSla.objects.bulk_create(new_slas, ignore_conflicts=True)
    return len(rows), ids[-1]


TICKET_COLUMNS = ("sla_due_at", "sla_warn_at", "sla_next_check_at")
SLA_COLUMNS = ("policy_id", "policy_name", "first_response_minutes", "next_response_minutes",
               "resolution_minutes", "first_response_due", "next_response_due",
               "resolution_due", "progress_due", "paused", "paused_seconds", "updated_at")


def _bulk_set(model: Any, key: str, columns: Sequence[str],
              rows: list[tuple[Any, ...]]) -> None:
    """UPDATE model SET columns = v.columns FROM unnest(arrays) v WHERE key = v.key;
    instants come as µs."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = []
        for row in rows:
            obj = model(**{key: row[0]})
            for name, value in zip(columns, row[1:], strict=True):
                setattr(obj, name, f.dt(value) if name in TIME_FIELDS else value)
            objects.append(obj)
        model.objects.bulk_update(objects, list(columns), batch_size=500)
        return
    meta = model._meta
    fields = [meta.get_field(key), *(meta.get_field(c) for c in columns)]
    quote = connection.ops.quote_name
    names = [quote(field.column) for field in fields]
    # One array parameter per column: a short statement whatever the batch size.
    arrays = ", ".join("%s::bigint[]" if c in TIME_FIELDS else f"%s::{_array_type(field)}"
                       for c, field in zip([key, *columns], fields, strict=True))
    assignments = ", ".join(
        f"{n} = timestamptz 'epoch' + v.{n} * interval '1 microsecond'" if c in TIME_FIELDS
        else f"{n} = v.{n}" for c, n in zip(columns, names[1:], strict=True))
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (from _meta)
           f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])


def _array_type(field: Any) -> str:
    base = field.target_field if field.is_relation else field
    db_type = base.rel_db_type(connection) if field.is_relation else base.db_type(connection)
    return f"{db_type.split('(')[0]}[]"
