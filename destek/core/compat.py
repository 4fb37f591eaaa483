"""The only place Destek touches Django internals that have no public API.

Each function wraps one private detail, names the Django version it was checked against and
is covered by destek/core/tests/test_compat.py, so an upgrade that moves the detail fails
there, in one place, instead of somewhere in a product app.

Checked against Django 5.2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction
from django.utils import dateformat


def pending_on_commit_callbacks(using: str | None = None) -> list[Callable[[], Any]]:
    """The callbacks registered with `transaction.on_commit` that have not run yet.

    Lets a caller register one callback per transaction for many events (one push per
    ticket, one delivery task per batch of outbox rows) instead of one per event.
    Private: `BaseDatabaseWrapper.run_on_commit`, a list of (savepoint ids, callback,
    robust) tuples.
    """
    connection = transaction.get_connection(using)
    return [callback for _savepoints, callback, _robust in connection.run_on_commit]


def split_date_format(format_string: str) -> list[tuple[bool, str]]:
    """A date format split into (is a format character, text) parts, escapes resolved, as
    `django.utils.dateformat.format` splits it on every call.

    Private: `dateformat.re_formatchars` and `dateformat.re_escaped`.
    """
    pieces = dateformat.re_formatchars.split(format_string)
    return [(index % 2 == 1, piece if index % 2 else dateformat.re_escaped.sub(r"\1", piece))
            for index, piece in enumerate(pieces) if piece]


def selected_relation(instance: models.Model, relation: str) -> tuple[bool, Any]:
    """Whether `select_related(relation)` loaded a one-to-one `relation` of `instance`, and
    what it found: (True, the row or None when there is none), or (False, None) when it was
    not loaded (reading it would cost a query).

    Private: the related descriptors' `is_cached` (undocumented).
    """
    descriptor = getattr(type(instance), relation)
    if not descriptor.is_cached(instance):
        return False, None
    try:
        return True, getattr(instance, relation)
    except descriptor.RelatedObjectDoesNotExist:
        return True, None


def set_prefetched(instance: models.Model, relation: str, objects: Iterable[Any]) -> None:
    """Fill `instance`'s prefetch cache for `relation` with `objects`, as
    `prefetch_related(relation)` would, when the caller already read them in a shared query.

    Private: `Model._prefetched_objects_cache` and a QuerySet's `_result_cache` and
    `_prefetch_done`.
    """
    queryset = getattr(instance, relation).all()  # lazy: no query
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset


def set_model_labels(model: type[models.Model], *, verbose_name: Any,
                     verbose_name_plural: Any, field_labels: dict[str, Any]) -> None:
    """Give a third-party model (allauth's MFA `Authenticator`) the translatable names it does
    not declare, so the admin shows "Doğrulayıcılar" rather than the untranslatable
    "Authenticators" derived from the class name. Private: assigning to `Options` and to a
    field's `verbose_name` after the model is built (both are read at render time)."""
    options = model._meta
    options.verbose_name = verbose_name
    options.verbose_name_plural = verbose_name_plural
    for name, label in field_labels.items():
        field = options.get_field(name)
        assert isinstance(field, models.Field)
        field.verbose_name = label
