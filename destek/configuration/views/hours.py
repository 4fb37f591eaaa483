"""Settings › Business hours: the SLA calendars (a week of working hours in a time zone,
and holidays). Supervisors and administrators change them; every save reloads the SLA
configuration and recomputes the open tickets' deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, ProtectedError, QuerySet
from django.forms import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from destek.configuration.access import settings_page
from destek.configuration.audited import record_settings_change
from destek.configuration.durations import minutes_text
from destek.configuration.forms.calendars import (
    CalendarForm,
    HolidayForm,
    HolidayFormSet,
    WeekForm,
    hours_rows,
)
from destek.sla.configuration import sla_config_changed
from destek.sla.models import BusinessCalendar, BusinessHours, Holiday

if TYPE_CHECKING:
    HolidayFormSetType = BaseInlineFormSet[Holiday, BusinessCalendar, HolidayForm]


def calendars() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.annotate(
        holiday_count=Count("holidays", distinct=True),
        policy_count=Count("policies", distinct=True)).prefetch_related("hours")


def week_text(calendar: BusinessCalendar) -> str:
    """"Mon 09:00–18:00 · …" from the prefetched hours; "around the clock" for 24/7."""
    if calendar.is_24x7:
        return _("Around the clock")
    parts = [f"{h.get_weekday_display()} {h.start:%H:%M}–{h.end:%H:%M}"
             for h in calendar.hours.all()]
    return " · ".join(parts) or _("No working hours")


@settings_page("business_hours")
def calendar_list(request: HttpRequest) -> HttpResponse:
    rows = [(calendar, week_text(calendar), minutes_text(weekly_minutes(calendar)))
            for calendar in calendars()]
    return render(request, "configuration/people_sla/calendar_list.html", {"rows": rows})


def weekly_minutes(calendar: BusinessCalendar) -> int:
    if calendar.is_24x7:
        return 7 * 24 * 60
    total = 0
    for h in calendar.hours.all():
        end = 24 * 60 if (h.end.hour, h.end.minute) == (0, 0) else h.end.hour * 60 + h.end.minute
        total += max(0, end - (h.start.hour * 60 + h.start.minute))
    return total


@settings_page("business_hours")
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar.objects.prefetch_related("hours"),
                                 pk=calendar_id) if calendar_id else BusinessCalendar()
    if request.method == "POST":
        form = CalendarForm(request.POST, instance=calendar)
        week = WeekForm(request.POST, calendar=calendar)
        holidays = HolidayFormSet(request.POST, instance=calendar, prefix="holidays")
        if form.is_valid() and week.is_valid() and holidays.is_valid():
            calendar_save(request, form, week, holidays)
            messages.success(request, _("The calendar “%(name)s” was saved.")
                             % {"name": form.instance.name})
            return redirect("settings:business_hours")
    else:
        form = CalendarForm(instance=calendar)
        week = WeekForm(calendar=calendar)
        holidays = HolidayFormSet(instance=calendar, prefix="holidays")
    return render(request, "configuration/people_sla/calendar_form.html", {
        "form": form, "week": week, "holidays": holidays, "calendar": calendar})


def calendar_save(request: HttpRequest, form: CalendarForm, week: WeekForm,
                  holidays: HolidayFormSetType) -> BusinessCalendar:
    added = form.instance.pk is None
    with transaction.atomic():
        calendar = form.save()
        old = [(h.weekday, h.start, h.end) for h in BusinessHours.objects.filter(
            calendar=calendar).order_by("weekday", "start")]
        new = week.intervals()
        fields = list(form.changed_data)
        if old != new:
            BusinessHours.objects.filter(calendar=calendar).delete()
            BusinessHours.objects.bulk_create(hours_rows(calendar, new))
            fields.append("hours")
        holidays.instance = calendar
        holidays.save()
        if holidays.has_changed():
            fields.append("holidays")
        record_settings_change(request, calendar, "added" if added else "changed", fields)
        sla_config_changed(reason=f"Calendar {calendar.name} saved in Settings")
    return calendar


@settings_page("business_hours")
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found.")
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    try:
        with transaction.atomic():
            record_settings_change(request, calendar, "deleted")
            calendar.delete()
            sla_config_changed(reason=f"Calendar {calendar.name} deleted in Settings")
    except ProtectedError:
        messages.error(request, _("The calendar “%(name)s” is used by an SLA policy; choose "
                                  "another calendar there first.") % {"name": calendar.name})
        return redirect("settings:business_hours_edit", calendar_id=calendar_id)
    messages.success(request, _("The calendar “%(name)s” was deleted.") % {"name": calendar.name})
    return redirect("settings:business_hours")
