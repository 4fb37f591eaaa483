"""The SLA recomputation's bulk statements: the one place sla writes SQL by hand.

A configuration change recomputes every open ticket (100,000 in bench.sla) in batches of
5,000. Through the ORM (`values()` with datetimes, `bulk_update`, `bulk_create`) that ran at
358 tickets/s when every deadline moves and 1,260/s for one policy changed, against 17,808/s
and 24,139/s with these statements (bench/README.md, "Issue 11"; the target is ≥ 5,000/s):
`bulk_update` writes one `CASE WHEN pk = … THEN …` per column over the whole batch, which
PostgreSQL evaluates row by row, so its cost grows with the square of the batch.

On PostgreSQL the batch is read with its instants as epoch microseconds (a bigint loads about
ten times faster than a timestamptz, and the rules work in µs anyway) and written with one
statement per batch whose parameters are one array per column (`unnest`). Other databases
(SQLite, the embedded default, where an installation has a few thousand tickets) read and
write the same values through the ORM. Both paths write the same rows; the recomputation
tests run on both databases (CI). Table and column names come from the models.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, F, Func, Model, QuerySet

Micros = Callable[[datetime | None], int | None]
Instant = Callable[[int | None], datetime | None]


class EpochMicros(Func):
    """A timestamp as integer microseconds since the epoch (PostgreSQL)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def _bulk_statements() -> bool:
    return connection.vendor == "postgresql"


def read_rows(queryset: QuerySet[Any], names: Sequence[str], *, time_fields: frozenset[str],
              micros: Micros) -> list[dict[str, Any]]:
    """`values(*names)` with every instant (a name whose last part is in `time_fields`) as
    µs since the epoch."""
    if _bulk_statements():
        times = {f"us{i}": (name, EpochMicros(F(name))) for i, name in enumerate(names)
                 if name.rsplit("__", 1)[-1] in time_fields}
        plain = [n for n in names if n.rsplit("__", 1)[-1] not in time_fields]
        rows = list(queryset.annotate(**{a: e for a, (_n, e) in times.items()})
                    .values(*plain, *times))
        for row in rows:
            for alias, (name, _e) in times.items():
                row[name] = row.pop(alias)
        return rows
    rows = list(queryset.values(*names))
    for row in rows:
        for name in row:
            if name.rsplit("__", 1)[-1] in time_fields:
                row[name] = micros(row[name])
    return rows


def update_rows(model: type[Model], key: str, columns: Sequence[str],
                rows: list[tuple[Any, ...]], *, time_fields: frozenset[str],
                instant: Instant) -> None:
    """Set `columns` of the rows whose `key` is each tuple's first value; instants as µs."""
    if not rows:
        return
    if not _bulk_statements():
        model._default_manager.bulk_update(
            _instances(model, [key, *columns], rows, time_fields, instant), list(columns),
            batch_size=500)
        return
    source, names, values, params = _unnest(model, [key, *columns], rows, time_fields)
    assignments = ", ".join(f"{n} = {values[n]}" for n in names[1:])
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 (names from _meta)
           f"FROM {source} WHERE t.{names[0]} = v.{names[0]}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_rows(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]], *,
                time_fields: frozenset[str], instant: Instant) -> None:
    """Insert the rows, skipping those that exist (a concurrent change may have created one
    meanwhile); instants as µs."""
    if not rows:
        return
    if not _bulk_statements():
        model._default_manager.bulk_create(
            _instances(model, columns, rows, time_fields, instant), ignore_conflicts=True)
        return
    source, names, values, params = _unnest(model, columns, rows, time_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 (names from _meta)
           f"SELECT {', '.join(values[n] for n in names)} FROM {source} "
           "ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _instances(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]],
               time_fields: frozenset[str], instant: Instant) -> list[Any]:
    return [model(**{name: instant(value) if name in time_fields else value
                     for name, value in zip(columns, row, strict=True)}) for row in rows]


def _unnest(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]],
            time_fields: frozenset[str]) -> tuple[str, list[str], dict[str, str], list[Any]]:
    """`unnest(%s::type[], …) AS v(columns)` with one array parameter per column (a short
    statement whatever the batch size): the SQL, the quoted column names, each column's
    value expression (instants come as µs, JSON as text), and the parameters."""
    meta = model._meta
    fields = [meta.get_field(c) for c in columns]
    quote = connection.ops.quote_name
    names = [quote(str(getattr(field, "column", None) or field.name)) for field in fields]
    arrays, values = [], {}
    for column, name, field in zip(columns, names, fields, strict=True):
        if column in time_fields:
            arrays.append("%s::bigint[]")
            values[name] = f"timestamptz 'epoch' + v.{name} * interval '1 microsecond'"
        elif field.get_internal_type() == "JSONField":
            arrays.append("%s::text[]")
            values[name] = f"v.{name}::jsonb"
        else:
            arrays.append(f"%s::{_array_type(field)}")
            values[name] = f"v.{name}"
    json_columns = {i for i, field in enumerate(fields)
                    if field.get_internal_type() == "JSONField"}
    params = [[json.dumps(v) for v in column] if i in json_columns else list(column)
              for i, column in enumerate(zip(*rows, strict=True))]
    return f"unnest({', '.join(arrays)}) AS v({', '.join(names)})", names, values, params


def _array_type(field: Any) -> str:
    base = field.target_field if field.is_relation else field
    db_type = base.rel_db_type(connection) if field.is_relation else base.db_type(connection)
    return f"{db_type.split('(')[0]}[]"
