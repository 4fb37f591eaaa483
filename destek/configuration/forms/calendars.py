"""A business calendar as a week: up to two working intervals per day (a lunch break splits
a day), picked with time inputs, and its holidays as a list of dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from itertools import pairwise
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from destek.configuration.forms.styling import StyledForm
from destek.sla.models import BusinessCalendar, BusinessHours, Holiday
from destek.sla.models.config import Weekday

SLOTS = 2  # intervals per day offered; more when a calendar already has more (the admin's)
MIDNIGHT = time(0, 0)


class CalendarForm(StyledForm, forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ["name", "timezone", "is_24x7", "is_office_hours"]
        help_texts = {"timezone": _("e.g. Europe/Istanbul. The working hours below are in "
                                    "this time zone.")}


def _time_field() -> forms.TimeField:
    return forms.TimeField(required=False,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


@dataclass(frozen=True)
class DayRow:
    """One weekday of the grid, for the template."""

    weekday: int
    label: str
    slots: list[tuple[forms.BoundField, forms.BoundField]]
    errors: list[str]


class WeekForm(StyledForm, forms.Form):
    """`d<weekday>_<slot>_start` / `_end` per day and slot; an end of 00:00 is midnight."""

    def __init__(self, *args: Any, calendar: BusinessCalendar | None = None,
                 **kwargs: Any) -> None:
        self.slots = SLOTS
        if calendar is not None and calendar.pk:
            per_day = [h.weekday for h in calendar.hours.all()]
            self.slots = max([SLOTS, *(per_day.count(d) for d in set(per_day))])
            kwargs.setdefault("initial", self.initial_for(calendar))
        super().__init__(*args, **kwargs)
        for day in Weekday.values:
            for slot in range(self.slots):
                self.fields[f"d{day}_{slot}_start"] = _time_field()
                self.fields[f"d{day}_{slot}_end"] = _time_field()
        self.day_errors: dict[int, list[str]] = {}

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict[str, time]:
        initial: dict[str, time] = {}
        used: dict[int, int] = {}
        for hours in calendar.hours.all():
            slot = used.get(hours.weekday, 0)
            initial[f"d{hours.weekday}_{slot}_start"] = hours.start
            initial[f"d{hours.weekday}_{slot}_end"] = hours.end
            used[hours.weekday] = slot + 1
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for day in Weekday.values:
            intervals: list[tuple[int, int]] = []
            for slot in range(self.slots):
                start, end = data.get(f"d{day}_{slot}_start"), data.get(f"d{day}_{slot}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self._day_error(day, _("Give both the start and the end, or neither."))
                    continue
                start_min = start.hour * 60 + start.minute
                end_min = 24 * 60 if end == MIDNIGHT else end.hour * 60 + end.minute
                if end_min <= start_min:
                    self._day_error(day, _("The end must be after the start."))
                    continue
                intervals.append((start_min, end_min))
            intervals.sort()
            if any(a[1] > b[0] for a, b in pairwise(intervals)):
                self._day_error(day, _("The working intervals of a day must not overlap."))
        return data

    def _day_error(self, day: int, message: Any) -> None:
        self.day_errors.setdefault(day, []).append(str(message))
        self.add_error(None, forms.ValidationError(
            "%(day)s: %(error)s", params={"day": Weekday(day).label, "error": message}))

    def intervals(self) -> list[tuple[int, time, time]]:
        out = []
        for day in Weekday.values:
            for slot in range(self.slots):
                start = self.cleaned_data.get(f"d{day}_{slot}_start")
                end = self.cleaned_data.get(f"d{day}_{slot}_end")
                if start is not None and end is not None:
                    out.append((day, start, end))
        return sorted(out)

    def rows(self) -> list[DayRow]:
        return [DayRow(weekday=day, label=str(Weekday(day).label),
                       slots=[(self[f"d{day}_{slot}_start"], self[f"d{day}_{slot}_end"])
                              for slot in range(self.slots)],
                       errors=self.day_errors.get(day, []))
                for day in Weekday.values]


def hours_rows(calendar: BusinessCalendar, intervals: list[tuple[int, time, time]]) \
        -> list[BusinessHours]:
    return [BusinessHours(calendar=calendar, weekday=day, start=start, end=end)
            for day, start, end in intervals]


class HolidayForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


HolidayFormSet = forms.inlineformset_factory(
    BusinessCalendar, Holiday, form=HolidayForm, extra=3, can_delete=True)
