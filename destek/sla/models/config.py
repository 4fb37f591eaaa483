"""What the SLA engine is told: calendars, policies (conditions, targets, escalation), on-call.

Every change here goes through destek.sla.services.config (the admin calls it), which bumps
SlaSettings.version so each process reloads its compiled policies, and starts a background
recompute of the open tickets' deadlines.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from destek.tickets.models import Status


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}) from exc


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """24/7, or working hours per weekday in a time zone, minus holidays."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Istanbul",
                                validators=[validate_timezone])
    is_24x7 = models.BooleanField(_("around the clock (24/7)"), default=False)
    is_office_hours = models.BooleanField(
        _("office hours"), default=False,
        help_text=_("Outside this calendar's hours, critical tickets alert whoever is on call."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    """One working interval on a weekday, in the calendar's time zone; 00:00 as the end
    means midnight at the end of the day."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE,
                                 related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(pgettext_lazy("time of day", "from"))
    end = models.TimeField(pgettext_lazy("time of day", "until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.end != self.end.replace(hour=0, minute=0, second=0) and self.end <= self.start:
            raise ValidationError(_("The end must be after the start."))


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE,
                                 related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"],
                                               name="uniq_sla_holiday")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def default_pause_statuses() -> list[str]:
    return [Status.PENDING.value, Status.ON_HOLD.value]


class Reassign(models.TextChoices):
    ON_CALL = "on_call", _("The agent on call, else the least loaded agent")
    LEAST_LOADED = "least_loaded", _("The least loaded available agent of the department")
    SUPERVISOR = "supervisor", _("The department's supervisor")


class SlaPolicy(models.Model):
    """Targets for the tickets that match its conditions; the first match by position wins.

    An empty condition matches everything; an empty target is not measured.
    """

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=100,
                                           help_text=_("Policies are tried lowest first."))
    is_active = models.BooleanField(_("active"), default=True)

    priorities = models.JSONField(_("priorities"), default=list, blank=True,
                                  help_text=_("Priority values, e.g. [40] for critical."))
    channels = models.JSONField(_("channels"), default=list, blank=True,
                                help_text=_('Channel codes, e.g. ["email", "chat"].'))
    plans = models.JSONField(_("plans"), default=list, blank=True,
                             help_text=_('Product / plan names of the ticket\'s service, '
                                         'e.g. ["Business Pro"].'))
    service_kinds = models.JSONField(_("service kinds"), default=list, blank=True,
                                     help_text=_('Kinds of the ticket\'s service, e.g. '
                                                 '["dedicated", "vps"].'))
    servers = models.JSONField(_("servers"), default=list, blank=True,
                               help_text=_("Servers / nodes of the ticket's service."))
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True,
                             help_text=_('Value tiers of the customer, e.g. ["key"].'))
    resellers = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="+", verbose_name=_("resellers"),
        limit_choices_to={"is_reseller": True},
        help_text=_("Tickets of these resellers and of their end customers."))
    departments = models.ManyToManyField("accounts.Department", blank=True,
                                         related_name="+", verbose_name=_("departments"))
    organizations = models.ManyToManyField("accounts.Organization", blank=True,
                                           related_name="+", verbose_name=_("organizations"))

    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"),
                                                         null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(
        _("next response (minutes)"), null=True, blank=True,
        help_text=_("The longest a customer may wait for an answer to any message."),
    )
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"),
                                                     null=True, blank=True)
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="policies",
                                 verbose_name=_("calendar"),
                                 help_text=_("Empty: the clock runs around the clock."))
    pause_statuses = models.JSONField(
        _("statuses that pause the clock"), default=default_pause_statuses, blank=True,
        help_text=_('e.g. ["pending", "on_hold"]; resolved and closed always stop it.'),
    )

    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (% of the target)"), default=75, null=True, blank=True)
    warn_assignee = models.BooleanField(_("warn the assignee"), default=True)
    breach_notify_assignee = models.BooleanField(_("notify the assignee at breach"),
                                                 default=True)
    supervisor_after_minutes = models.PositiveIntegerField(
        _("notify the supervisor (minutes after breach)"), null=True, blank=True, default=0,
        help_text=_("Empty: never."))
    reassign_after_minutes = models.PositiveIntegerField(
        _("reassign (minutes after breach)"), null=True, blank=True,
        help_text=_("Empty: never."))
    reassign_to = models.CharField(_("reassign to"), max_length=16, choices=Reassign.choices,
                                   default=Reassign.ON_CALL)

    progress_every_minutes = models.PositiveIntegerField(
        _("progress report every (minutes)"), null=True, blank=True,
        help_text=_("Remind the assignee to update the customer when a ticket stays open "
                    "this long without an update. Empty: never."))
    progress_customer_update = models.BooleanField(
        _("also send the customer a progress update"), default=True,
        help_text=_("When nothing public is written within the grace period after the "
                    "reminder, the customer gets a status update: the ticket's state, who is "
                    "on it, what it waits for and when the next update comes."))
    progress_grace_minutes = models.PositiveIntegerField(
        _("customer update after the reminder (minutes)"), null=True, blank=True,
        help_text=_("Empty: a quarter of the progress report period. At most half of it."))

    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        bad = set(self.pause_statuses or []) - set(Status.values)
        if bad:
            raise ValidationError({"pause_statuses": _("Unknown status: %(s)s")
                                   % {"s": ", ".join(sorted(bad))}})
        if self.warn_percent is not None and not 0 < self.warn_percent < 100:
            raise ValidationError({"warn_percent": _("Between 1 and 99.")})


class SlaSettings(models.Model):
    """One row: the configuration version each process compares with its cached policies."""

    version = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = _("SLA settings")
        verbose_name_plural = _("SLA settings")

    def __str__(self) -> str:
        return f"v{self.version}"


class OnCallShift(models.Model):
    """A one-off shift: this agent is on duty for this department between two instants."""

    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("department"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("agent"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["department", "ends_at"], name="sla_oncall_shift")]

    def __str__(self) -> str:
        return f"{self.agent} {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(_("The end must be after the start."))


class OnCallWeekly(models.Model):
    """A weekly rota slot; an end at or before the start runs past midnight."""

    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("department"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("agent"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(pgettext_lazy("time of day", "from"))
    end = models.TimeField(pgettext_lazy("time of day", "until"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Istanbul",
                                validators=[validate_timezone])

    class Meta:
        verbose_name = _("weekly on-call slot")
        verbose_name_plural = _("weekly on-call rota")
        ordering = ["department", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_weekday_display()} {self.start:%H:%M}"
