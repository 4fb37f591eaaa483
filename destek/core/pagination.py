"""Keyset pagination: the next page starts after the last row's sort key, never at OFFSET n."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)
R = TypeVar("R")  # a model instance, or a `.values()` dict


@dataclass(frozen=True)
class Page(Generic[R]):
    items: list[R]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    return values


def _after(ordering: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after `values` in `ordering` (field, descending) — a row-value comparison."""
    condition = Q()
    for i, (field, descending) in enumerate(ordering):
        equal_prefix = Q(**{f: values[j] for j, (f, _d) in enumerate(ordering[:i])})
        step = Q(**{f"{field}__{'lt' if descending else 'gt'}": values[i]})
        condition |= equal_prefix & step
    return condition


def _sort_value(row: Any, field: str) -> Any:
    """A row's value of a sort field: an attribute of a model, a key of a `.values()` dict."""
    if isinstance(row, dict):
        return row[field]
    return getattr(row, field.replace("__", "_"))


def keyset_page(qs: QuerySet[M, R], *, ordering: list[tuple[str, bool]], cursor: str | None,
                limit: int, preselect: QuerySet[Any, Any] | None = None) -> Page[R]:
    """One page of `qs` sorted by `ordering`, whose last field must be unique (the pk).

    `qs` may be a `.values()` queryset that selects the ordering fields. `preselect`: the same
    rows without `qs`'s joins; the page's primary keys are then chosen on it (a subquery) and
    only those rows are joined. For filters that no index serves in the page's order (the
    planner joins every match before it sorts): a tag with thousands of tickets, 12 → 3 ms."""
    order = [f"-{f}" if desc else f for f, desc in ordering]
    after = None
    if cursor:
        values = _decode(cursor, len(ordering))
        if values is not None:
            after = _after(ordering, values)
    if preselect is not None:
        chosen = preselect.order_by(*order)
        if after is not None:
            chosen = chosen.filter(after)
        qs = qs.filter(pk__in=chosen.values("pk")[: limit + 1])
    qs = qs.order_by(*order)
    if after is not None:
        qs = qs.filter(after)
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([_sort_value(last, f) for f, _d in ordering])
    return Page(items=rows, next_cursor=next_cursor)


def keyset_page_nulls_last(qs: QuerySet[M, R], *, field: str, cursor: str | None,
                           limit: int) -> Page[R]:
    """One page of `qs` by `field` ascending, the rows without a value last, then by id.

    Two queries, each an index range: the rows with a value by (field, id) (a partial index
    WHERE field IS NOT NULL serves it), then the rows without one by id. A single ORDER BY
    … NULLS LAST could use neither such an index nor a range condition on the cursor.
    Both run even when the first fills the page, so a page costs the same whatever the data;
    once the cursor has passed the last row with a value, only the second one runs.
    `qs` may be a `.values()` queryset that selects `field` and `id`."""
    values = _decode(cursor, 2) if cursor else None
    with_value = qs.filter(**{f"{field}__isnull": False})
    without = qs.filter(**{f"{field}__isnull": True})
    rows: list[R] = []
    if values is not None and values[0] is None:
        without = without.filter(id__gt=values[1])
    else:
        if values is not None:
            with_value = with_value.filter(Q(**{f"{field}__gt": values[0]})
                                           | Q(**{field: values[0], "id__gt": values[1]}))
        rows = list(with_value.order_by(field, "id")[: limit + 1])
    rows += list(without.order_by("id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([_sort_value(last, field), _sort_value(last, "id")])
    return Page(items=rows, next_cursor=next_cursor)
