"""The tickets an inbound email may belong to, with the relations the funnel uses.

Read once per email (the funnel then only locks the row: intake's InboundMessage.ticket), by
one hand-written statement: the ORM's select_related of three relations cost ~0.5 ms of
query compilation per reply, several times what PostgreSQL spends on it. Instances are
built as the ORM builds them (destek.core.rows), relations cached as select_related does.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection, models

from destek.accounts.models import Department, User
from destek.core import rows
from destek.tickets.models import Ticket

# (relation on Ticket, its model, whether every ticket has one)
_RELATIONS: tuple[tuple[str, type[models.Model], bool], ...] = (
    ("department", Department, True), ("customer", User, True), ("assignee", User, False))


def tickets_in_order(ids: list[int]) -> list[Ticket]:
    """The existing tickets among `ids`, in that order, without repeats."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    placeholders = ", ".join(["%s"] * len(unique))
    found: dict[int, Ticket] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"{_select(connection.vendor)} IN ({placeholders})", unique)
        for row in cursor.fetchall():
            ticket = _build(row)
            found[ticket.pk] = ticket
    return [found[i] for i in unique if i in found]


@cache
def _select(_vendor: str) -> str:
    """SELECT … FROM ticket JOIN its relations WHERE ticket id (the IN list follows)."""
    quote = connection.ops.quote_name
    _names, selected = rows.columns(Ticket, "t")
    t_id = f"{quote('t')}.{quote(str(Ticket._meta.pk.column))}"
    joins = []
    for index, (name, model, required) in enumerate(_RELATIONS):
        alias = quote(f"r{index}")
        selected += ", " + rows.columns(model, f"r{index}")[1]
        column = quote(getattr(Ticket, name).field.column)
        join = "JOIN" if required else "LEFT JOIN"
        joins.append(f"{join} {rows.table(model)} {alias}"
                     f" ON {alias}.{quote(str(model._meta.pk.column))} = {quote('t')}.{column}")
    return (f"SELECT {selected} FROM {rows.table(Ticket)} {quote('t')} "  # noqa: S608
            f"{' '.join(joins)} WHERE {t_id}")


@cache
def _names(model: type[models.Model]) -> list[str]:
    return rows.columns(model)[0]


def _build(row: Sequence[object]) -> Ticket:
    names = _names(Ticket)
    ticket = rows.instance(Ticket, names, row[:len(names)])
    start = len(names)
    for name, model, _required in _RELATIONS:
        model_names = _names(model)
        values = row[start:start + len(model_names)]
        start += len(model_names)
        related = None if values[0] is None else rows.instance(model, model_names, values)
        getattr(Ticket, name).field.set_cached_value(ticket, related)
    return ticket
