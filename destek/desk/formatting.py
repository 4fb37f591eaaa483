"""Dates and URLs as the desk's templates print them, prepared once per page.

Shared by the queue, ticket and SLA presenters; nothing here knows about tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils import dateformat, formats, timezone

from destek.core.compat import split_date_format

_URL_MARKER = 2_147_483_629  # any integer the <int:…> converters accept


@lru_cache(maxsize=64)
def _url_parts(name: str, kwarg: str, prefix: str) -> tuple[str, str]:
    path = reverse(name, kwargs={kwarg: _URL_MARKER})
    head, _marker, tail = path.rpartition(str(_URL_MARKER))
    return head, tail


@lru_cache(maxsize=64)
def _fixed_url(name: str, prefix: str) -> str:
    return reverse(name)


def fixed_url(name: str) -> str:
    """`reverse(name)` of a URL without arguments, once per process (and script prefix)."""
    return _fixed_url(name, get_script_prefix())


def id_url(name: str, kwarg: str) -> Callable[[int], str]:
    """`reverse(name, kwargs={kwarg: pk})` for many pks at the cost of one reverse()."""
    head, tail = _url_parts(name, kwarg, get_script_prefix())
    return lambda pk: f"{head}{pk}{tail}"


@lru_cache(maxsize=64)
def _parts(format_string: str) -> tuple[tuple[bool, str], ...]:
    return tuple(split_date_format(format_string))


class DateFormatter:
    """Local time as the templates print it (`{{ value }}`, `|date:"SHORT_DATETIME_FORMAT"`).

    The format is looked up once per page and split into its parts once per process instead
    of once per value (what `django.utils.dateformat.format` does on every call).
    """

    def __init__(self, format_name: str = "DATETIME_FORMAT") -> None:
        self.parts = _parts(str(formats.get_format(format_name)))
        # The current time zone, once per page (`localtime` looks it up on every call).
        self.tz = timezone.get_current_timezone()

    def __call__(self, value: datetime) -> str:
        data = dateformat.DateFormat(value.astimezone(self.tz))
        return "".join(str(getattr(data, part)()) if code else part for code, part in self.parts)

    def iso(self, value: datetime) -> str:
        """`iso(value)` in this formatter's time zone."""
        return value.astimezone(self.tz).isoformat()


class DayFormatter:
    """A date as the templates print it (`|date:"SHORT_DATE_FORMAT"`), the format looked up
    and split once per page (`dateformat.format` did it for every renewal date of the
    customer panel: a third of presenting a service)."""

    def __init__(self, format_name: str = "SHORT_DATE_FORMAT") -> None:
        self.parts = _parts(str(formats.get_format(format_name)))

    def __call__(self, value: date) -> str:
        data = dateformat.DateFormat(value)
        return "".join(str(getattr(data, part)()) if code else part for code, part in self.parts)


def iso(value: datetime) -> str:
    """What `{{ value|date:'c' }}` prints: ISO 8601 in the current time zone."""
    return timezone.localtime(value).isoformat()
