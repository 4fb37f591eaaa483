"""Template values a stored notification keeps until the worker renders it.

A notification's extra context travels as JSON in the outbox row (ADR 0003), and is rendered
later, in the recipient's language. Dates and texts to translate therefore travel as tagged
values and come back as objects that render correctly under the recipient's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

_DATETIME, _TRANSLATED, _DURATION = "$datetime", "$translated", "$duration_minutes"


@dataclass(frozen=True)
class Translated:
    """A text shown in the recipient's language (its message id, translated at rendering)."""

    msgid: str

    @classmethod
    def of(cls, text: str | Promise) -> Translated:
        """From a lazy translation (e.g. a model choice's label): keep its message id."""
        with translation.override(None):
            return cls(str(text))

    def __str__(self) -> str:
        return gettext(self.msgid) if self.msgid else ""


@dataclass(frozen=True)
class Duration:
    """"90 minutes" / "2 hours", in the recipient's language; "" when unknown."""

    minutes: int | None

    def __str__(self) -> str:
        if self.minutes is None:
            return ""
        hours, rest = divmod(self.minutes, 60)
        if rest:
            return str(_("%(minutes)d minutes") % {"minutes": self.minutes})
        return str(_("%(hours)d hours") % {"hours": hours})


def encode(values: dict[str, Any]) -> dict[str, Any]:
    """JSON for the outbox row; plain values pass through."""
    return {name: _encode(value) for name, value in values.items()}


def decode(data: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in data.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, Translated):
        return {_TRANSLATED: value.msgid}
    if isinstance(value, Duration):
        return {_DURATION: value.minutes}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, inner), = value.items()
        if tag == _DATETIME:
            return datetime.fromisoformat(inner)
        if tag == _TRANSLATED:
            return Translated(inner)
        if tag == _DURATION:
            return Duration(inner)
    return value
