"""Rules the desk runs by itself.

- `Trigger`: on an event (a ticket opened, a customer replied, an SLA breach…), when its
  conditions hold, do its actions. Ordered by position; "stop here" ends the list for that
  event. Conditions and actions are JSON documents checked by `rules.py` (one schema for the
  forms, the dry run and the engine).
- `Automation`: run by beat on tickets that have been in a status for some hours (resolved
  for 7 days → closed). Each run scans only the tickets that crossed the threshold since the
  previous run (an index range), and `AutomationApplied` makes a firing happen once.
- `AutomationSettings.version`: moved on every change; each process recompiles its rules
  when it sees a newer version (as routing rules do).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TriggerEvent(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket created")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    AGENT_REPLIED = "agent_replied", _("Agent replied")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ASSIGNEE_CHANGED = "assignee_changed", _("Assignee changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    RATING_RECEIVED = "rating_received", _("Rating received")
    CHAT_ENDED = "chat_ended", _("Chat ended")


class Rule(models.Model):
    """What triggers and automations share: a name, on/off, conditions and actions (JSON
    documents, `conditions.py` and `actions.py`), shipped or not, how often it fired."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=dict)
    # Shipped with Destek (editable, never re-created once an admin deleted it): the key names
    # it in the data migration that created it.
    default_key = models.CharField(max_length=60, blank=True, default="")
    fire_count = models.PositiveIntegerField(_("fired"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Trigger(Rule):
    position = models.PositiveIntegerField(_("position"), default=100,
                                           help_text=_("Triggers run lowest first."))
    events = models.JSONField(_("events"), default=list,
                              help_text=_("The events that run this trigger."))
    stop_here = models.BooleanField(
        _("stop here"), default=False,
        help_text=_("When this trigger fires, the triggers after it do not run for this event."))
    last_fired_at = models.DateTimeField(_("last fired"), null=True, blank=True)

    class Meta(Rule.Meta):
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")


class AutomationField(models.TextChoices):
    """The time a ticket's hours are counted from; each has an index with the status."""

    UPDATED_AT = "updated_at", _("last change")
    RESOLVED_AT = "resolved_at", _("resolved")


class Automation(Rule):
    position = models.PositiveIntegerField(_("position"), default=100)
    status = models.CharField(_("status"), max_length=16,
                              help_text=_("Tickets in this status…"))
    field = models.CharField(_("since"), max_length=20, choices=AutomationField.choices,
                             default=AutomationField.UPDATED_AT)
    hours = models.PositiveIntegerField(_("hours"), help_text=_("…for at least this long."))
    # The threshold the previous run scanned up to: the next run reads only the tickets that
    # crossed it since (field in [cursor, now - hours)).
    cursor = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_run_count = models.PositiveIntegerField(default=0)

    class Meta(Rule.Meta):
        verbose_name = _("automation")
        verbose_name_plural = _("automations")


class AutomationApplied(models.Model):
    """An automation fired on a ticket for the ticket's state at `anchor` (the value of the
    automation's field): a second run, or two beats at once, cannot fire it again."""

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    anchor = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["automation", "ticket", "anchor"],
                                               name="automation_applied_once")]

    def __str__(self) -> str:
        return f"{self.automation_id} on {self.ticket_id}"


class AutomationSettings(models.Model):
    """One row: the rules' version each process compares with its compiled copy."""

    version = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = _("automation settings")
        verbose_name_plural = _("automation settings")

    def __str__(self) -> str:
        return f"v{self.version}"
