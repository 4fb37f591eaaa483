"""Durations typed as people write them, in English and Turkish, and shown back."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from destek.configuration.durations import DurationField, minutes_text, parse_minutes


@pytest.mark.parametrize(("text", "minutes"), [
    ("1 h", 60), ("24h", 1440), ("30 min", 30), ("1 h 30 min", 90), ("90", 90),
    ("1.5 h", 90), ("1,5 saat", 90), ("2 sa 15 dk", 135), ("3 d", 4320), ("2 gün", 2880),
    ("1:30", 90), ("  8 Hours ", 480), ("45 dakika", 45),
])
def test_parse(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["soon", "1 week", "h", "1 h x", "--", "1 h 30 lightyears"])
def test_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError):
        parse_minutes(text)


def test_text_round_trips_in_both_languages() -> None:
    with translation.override("en"):
        assert [minutes_text(m) for m in (30, 60, 90, 1440, 4320)] == [
            "30 min", "1 h", "1 h 30 min", "24 h", "3 d"]
    with translation.override("tr"):
        assert minutes_text(90) == "1 sa 30 dk"
        assert parse_minutes(minutes_text(4320)) == 4320


def test_field_errors_and_empty() -> None:
    field = DurationField()
    assert field.clean("") is None
    assert field.clean("2 h") == 120
    with pytest.raises(forms.ValidationError) as bad:
        field.clean("tomorrow")
    assert "30 min" in bad.value.messages[0]
    with pytest.raises(forms.ValidationError):
        field.clean("0 min")
    assert DurationField(min_minutes=0).clean("0") == 0
