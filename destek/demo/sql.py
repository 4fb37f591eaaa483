"""The bench data generator's PostgreSQL statements (`destek seed`).

Why its own writer and not the funnel: `tickets.intake.receive` opens one ticket per
transaction with about fifteen statements (bench/README.md: 160-169 tickets/s through the API),
so 100,000 tickets would take the best part of an hour; COPY writes them in 13-45 s
(bench/README.md, "The data generator"). Each statement names only the models' own tables
and columns; every value is COPY data or a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a column"
    return field


def columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The database columns of the model's fields `names` (`customer` -> `customer_id`)."""
    return [str(concrete_field(model, name).column) for name in names]


def copy_rows(model: type[models.Model], names: Sequence[str],
              rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY … FROM STDIN through psycopg 3 (`Cursor.copy`, `write_row`)."""
    qn = connection.ops.quote_name
    quoted = ", ".join(qn(c) for c in columns(model, names))
    sql = f"COPY {qn(model._meta.db_table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper: COPY is its own API
        with raw.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def lock_for_explicit_ids(model: type[models.Model]) -> bool:
    """Lock the table (its ids are chosen by the generator) for the rest of the transaction.
    As a superuser, also skip the per-row foreign-key triggers (deferred to COMMIT by
    Django; a third of the time): the rows reference only ids the generator just read or
    wrote. Whether they were skipped."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)}"
            " IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def analyze(tables: Iterable[type[models.Model]], *, vacuum: bool) -> None:
    """Fresh planner statistics after the bulk load (and the visibility map, with VACUUM)."""
    verb = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"{verb} {connection.ops.quote_name(model._meta.db_table)}")


def move_sequence_past_ids(model: type[models.Model]) -> None:
    """The id sequence moved past the rows written with explicit ids (Django's own
    `sequence_reset_sql`, as `sqlsequencereset` prints it)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)
