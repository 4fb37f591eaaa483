"""The hosting app's statements written by hand (DESIGN.md, "Speed without losing the house").

`analyze`: refresh the planner's statistics of the tables an import is filling. A big import
grows `hosting_service` and `accounts_user` from nothing to 100,000 rows in a minute, faster
than autovacuum's analyze follows; on statistics that still say "a few rows" PostgreSQL reads
whole tables for every batch's lookups. Analyzing each time the tables have doubled took an
import of 40,000 services from 40.4 s to 31.3 s (−23 %, bench/README.md "Issue 15"). The
statement is the same on SQLite and PostgreSQL (SQLite refreshes sqlite_stat1).

`service_rows` and `value_row`: what the customer panel beside every ticket and chat reads
about the customer (`selectors.service_rows_for_customer`, `selectors.value_row_of`; the
selectors are their only callers and keep their contract). Built by the ORM, the two queries
cost Django about 1.0 ms of CPU per ticket view against 0.2 ms with these statements: 0.8 of
the 2.8–3.4 ms the panel added to the page (24–29 %; bench/README.md, "Ticket view with the
customer's services"). One statement each, the same on PostgreSQL and SQLite; table and
column names come from the models, every value is a parameter. Values come back as the ORM
gives them on both databases: dates as `date` (SQLite's declared-type converters), amounts
as `Decimal` with the field's decimal places (SQLite hands back a number)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import DecimalField, Model

from destek.hosting.models import CustomerValue, Service


def analyze(*, models: list[type[Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _q(model: type[Model], field: str = "") -> str:
    quote = connection.ops.quote_name
    if not field:
        return quote(model._meta.db_table)
    return quote(str(model._meta.get_field(field).column))  # type: ignore[union-attr]


@cache
def _services_statement(_vendor: str, fields: tuple[str, ...], *, organization: bool,
                        first: bool) -> str:
    s = Service
    owned = [f"{_q(s, 'customer')} = %s"]
    if organization:
        owned.append(f"{_q(s, 'organization')} = %s")
    order = [f"{_q(s, 'updated_at')} DESC", f"{_q(s, 'id')} DESC"]
    if first:
        owned.append(f"{_q(s, 'id')} = %s")
        order.insert(0, f"({_q(s, 'id')} = %s) DESC")
    columns = ", ".join(_q(s, f) for f in fields)
    return (f"SELECT {columns} FROM {_q(s)} WHERE {' OR '.join(owned)} "  # noqa: S608 (names from _meta)
            f"ORDER BY {', '.join(order)} LIMIT %s")


def service_rows(*, customer_id: int, organization_id: int | None, first_id: int | None,
                 fields: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """The services of the customer or of the organization, and the service `first_id`
    whoever owns it, as rows of `fields`: `first_id` first, then the latest changed (then
    the highest id); at most `limit`."""
    params: list[Any] = [customer_id]
    if organization_id:
        params.append(organization_id)
    if first_id is not None:
        params += [first_id, first_id]
    params.append(limit)
    sql = _services_statement(connection.vendor, fields, organization=bool(organization_id),
                              first=first_id is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(fields, row, strict=True)) for row in cursor.fetchall()]


VALUE_FIELDS = ("tier", "monthly_value", "customer_since")


@cache
def _value_statement(_vendor: str, *, organization: bool) -> str:
    v = CustomerValue
    columns = ", ".join(_q(v, f) for f in VALUE_FIELDS)
    owner = _q(v, "organization" if organization else "customer")
    return f"SELECT {columns} FROM {_q(v)} WHERE {owner} = %s"  # noqa: S608 (names from _meta)


def value_row(*, customer_id: int, organization_id: int | None) -> Mapping[str, Any] | None:
    """The worth of the organization's account when there is one, else the customer's own
    (tier, monthly value, customer since); None without a row. One row at most (both owners
    are unique)."""
    sql = _value_statement(connection.vendor, organization=bool(organization_id))
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization_id or customer_id])
        found = cursor.fetchone()
    if found is None:
        return None
    row = dict(zip(VALUE_FIELDS, found, strict=True))
    row["monthly_value"] = _decimal(row["monthly_value"], "monthly_value")
    return row


def _decimal(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    field = CustomerValue._meta.get_field(name)
    assert isinstance(field, DecimalField)
    number = field.to_python(value)
    assert isinstance(number, Decimal)
    return number.quantize(Decimal(1).scaleb(-field.decimal_places))
