"""Durations as people type and read them ("1 h", "30 min", "1 h 30 min", "3 d", "2 sa",
"45 dk"), stored as whole minutes, as the SLA models store their targets."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

MINUTES_PER = {"d": 24 * 60, "h": 60, "m": 1}
# Each unit as English and Turkish people write it, lowercase.
UNIT_WORDS = {
    "d": ("d", "day", "days", "g", "gün", "gun"),
    "h": ("h", "hr", "hrs", "hour", "hours", "sa", "saat", "st"),
    "m": ("m", "min", "mins", "minute", "minutes", "dk", "dak", "dakika"),
}
UNITS = {word: unit for unit, words in UNIT_WORDS.items() for word in words}
PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\d\s.,]*)")
CLOCK = re.compile(r"^(\d+):([0-5]\d)$")  # 1:30 = one hour and a half


def parse_minutes(text: str) -> int:
    """Whole minutes in `text`; a bare number is minutes. ValueError when it is not a
    duration."""
    text = text.strip().lower()
    clock = CLOCK.match(text)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    total = 0.0
    position = 0
    for match in PART.finditer(text):
        if text[position:match.start()].strip():
            raise ValueError(text)
        number = float(match.group(1).replace(",", "."))
        word = match.group(2) or "m"
        if word not in UNITS:
            raise ValueError(text)
        total += number * MINUTES_PER[UNITS[word]]
        position = match.end()
    if position == 0 or text[position:].strip():
        raise ValueError(text)
    return round(total)


def minutes_text(minutes: int) -> str:
    """"3 d", "36 h", "1 h 30 min", "45 min", in the active language (the desk's countdown
    units); days only for two or more whole days (a day of office hours is not 24 h)."""
    day, hour, minute = (pgettext("countdown", "{n} d"), pgettext("countdown", "{n} h"),
                         pgettext("countdown", "{n} min"))
    if minutes >= 2 * MINUTES_PER["d"] and minutes % MINUTES_PER["d"] == 0:
        return day.replace("{n}", str(minutes // MINUTES_PER["d"]))
    hours, rest = divmod(minutes, 60)
    parts = [hour.replace("{n}", str(hours))] if hours else []
    if rest or not hours:
        parts.append(minute.replace("{n}", str(rest)))
    return " ".join(parts)


class DurationField(forms.CharField):
    """A target typed as a duration, cleaned to whole minutes (None when left empty)."""

    default_error_messages = {
        "invalid": _("Write a duration such as 30 min, 1 h, 1 h 30 min or 3 d."),
        "zero": _("A duration must be at least one minute; leave it empty for none."),
    }

    def __init__(self, *, min_minutes: int = 1, **kwargs: Any) -> None:
        self.min_minutes = min_minutes
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "text")
        self.widget.attrs.setdefault("size", 12)
        self.widget.attrs.setdefault("maxlength", 40)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return minutes_text(value)
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        if isinstance(value, int):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            minutes = parse_minutes(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") \
                from None
        if minutes < self.min_minutes:
            raise forms.ValidationError(self.error_messages["zero"], code="zero")
        return minutes

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except forms.ValidationError:
            return True
