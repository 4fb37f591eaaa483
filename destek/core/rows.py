"""Reading a model's rows with a hand-written WHERE, for lookups on the hottest paths.

Compiling an ORM query (`.filter(...).first()`, `select_related(...).get()`) costs the
desk's one-row lookups several times what PostgreSQL spends answering them. These build
the statement from the model's own table and column names and fill in instances with
`Model.from_db`, as the ORM does, so the objects behave the same (deferred loading, saving,
`_state.db`). Only names from the model and %s placeholders enter the statement: every
value is a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def columns(model: type[models.Model], alias: str = "") -> tuple[list[str], str]:
    """(attribute names, "alias"."column", … for SELECT) of the model's concrete fields."""
    quote = connection.ops.quote_name
    prefix = f"{quote(alias)}." if alias else ""
    fields = model._meta.concrete_fields
    return ([f.attname for f in fields],
            ", ".join(f"{prefix}{quote(f.column or f.attname)}" for f in fields))


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def instance(model: type[M], names: list[str], values: Sequence[Any]) -> M:
    """A model instance from one row of `columns(model)`, as loaded by the ORM."""
    converted = list(values)
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        # The backend's (SQLite's dates and booleans come back as text and integers), then
        # the field's own (JSON…), as the ORM's compiler applies them.
        for converter in (*connection.ops.get_db_converters(column),
                          *field.get_db_converters(connection)):
            converted[index] = converter(converted[index], column, connection)
    return model.from_db(connection.alias, names, converted)


def first(model: type[M], where: str, params: Sequence[Any], *,
          lock: bool = False) -> M | None:
    """The first row of `model` matching the `where` clause (its own column names and %s
    placeholders), optionally locked FOR UPDATE where the database supports it."""
    names, selected = columns(model)
    suffix = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    sql = f"SELECT {selected} FROM {table(model)} WHERE {where} LIMIT 1{suffix}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    return instance(model, names, row) if row is not None else None


def insert(obj: models.Model) -> None:
    """Write a new instance with one plain INSERT, as `obj.save(force_insert=True)` would:
    the fields' `pre_save` (auto_now…) and `get_db_prep_save` (JSON, dates), the new primary
    key set on `obj`, which is then saved. For rows written on every ticket and email, where
    compiling the ORM's INSERT cost more CPU than the statement. No signals are sent: use it
    only for models nothing listens to (the funnel's tickets and messages, inbound emails)."""
    model = type(obj)
    fields = _insert_fields(model)
    raw = [f.pre_save(obj, True) for f in fields]
    if any(hasattr(value, "resolve_expression") for value in raw):
        obj.save(force_insert=True)  # a database default or expression: the ORM's INSERT
        return
    values = [f.get_db_prep_save(value, connection) for f, value in zip(fields, raw, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, connection.vendor), values)
        if connection.features.can_return_columns_from_insert:
            obj.pk = cursor.fetchone()[0]
        else:
            obj.pk = cursor.lastrowid
    obj._state.adding = False
    obj._state.db = connection.alias


@cache
def _insert_fields(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(model: type[models.Model], _vendor: str) -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table(model)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(str(model._meta.pk.column))}"
    return sql
