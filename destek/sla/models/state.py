"""Per-ticket SLA state and its history.

The deadlines the queue sorts on and the breach scan looks for (TicketSla.due_at / warn_at /
next_check_at, with partial indexes) live in this table, not on the ticket row: a deadline
that moves rewrites a row with four indexes instead of the ticket row and its seventeen (a
changed indexed column rules out a HOT update, so every index gets a new entry), and
finding what is due stays an index range scan.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    PROGRESS = "progress", _("Progress report")
    ON_CALL = "on_call", _("Out of hours")


class AlertKind(models.TextChoices):
    WARNING = "warning", _("Warning before breach")
    BREACH = "breach", _("Breach")
    SUPERVISOR = "supervisor", _("Escalated to the supervisor")
    REASSIGN = "reassign", _("Reassigned")
    REMINDER = "reminder", _("Progress reminder")
    CUSTOMER_UPDATE = "customer_update", _("Progress update to the customer")
    ON_CALL = "on_call", _("On-call alert")


class TicketSla(models.Model):
    """The SLA clock of one ticket: the policy and targets it runs under, its pauses, and the
    deadlines computed from them."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE,
                                  primary_key=True, related_name="sla")
    policy = models.ForeignKey("sla.SlaPolicy", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    policy_name = models.CharField(_("policy"), max_length=120, blank=True, default="")
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    # The status last seen and every stretch spent in a status, as
    # [[start ISO, end ISO or null, status], …]; the policy decides which ones pause.
    status = models.CharField(max_length=16, blank=True, default="")
    stretches = models.JSONField(default=list, blank=True)
    # The customer's first message since the last agent reply (None: nobody is waiting).
    awaiting_since = models.DateTimeField(null=True, blank=True)
    response_cycle = models.PositiveIntegerField(default=0)

    first_response_due = models.DateTimeField(null=True, blank=True)
    next_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    progress_due = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False)
    paused_seconds = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    # What the desk and the breach scan look for, set only while the ticket is open: the
    # next deadline of a running target, its warning time, and when the scan must next look
    # at the ticket (a warning, breach, escalation step or progress report may be due).
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            # The queue's "next deadline" sort and breached / at-risk filters (joined to the
            # ticket by its primary key), and the breach scan's range scan.
            models.Index(fields=["due_at", "ticket"], name="sla_open_due",
                         condition=models.Q(due_at__isnull=False)),
            models.Index(fields=["next_check_at"], name="sla_next_check",
                         condition=models.Q(next_check_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"SLA of {self.ticket_id}"


class SlaCycle(models.Model):
    """One measured target that ended: met or breached (the ticket view's SLA history)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(_("target"), max_length=16, choices=Metric.choices)
    cycle = models.PositiveIntegerField(default=0)
    target_minutes = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"))
    breached = models.BooleanField(_("breached"), default=False)
    paused_seconds = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric", "cycle"],
                                               name="uniq_sla_cycle")]
        indexes = [models.Index(fields=["ticket", "completed_at"], name="sla_cycle_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric}#{self.cycle}"


class SlaAlert(models.Model):
    """A warning, breach, escalation step or reminder that was acted on, exactly once:
    the unique key is what makes a doubled or catching-up scan harmless."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    cycle = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Recorded but not sent: a warning whose breach had already come (catching up).
    skipped = models.BooleanField(default=False)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric", "kind", "cycle"],
                                               name="uniq_sla_alert")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.kind}#{self.cycle}"


class RecomputeState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SlaRecompute(models.Model):
    """Recomputing the open tickets' deadlines after a configuration change, in batches;
    `last_ticket_id` lets a restarted worker resume where the previous one stopped."""

    state = models.CharField(max_length=16, choices=RecomputeState.choices,
                             default=RecomputeState.PENDING)
    version = models.PositiveBigIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True, default="")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    last_ticket_id = models.BigIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deadline recomputation")
        verbose_name_plural = _("deadline recomputations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.state == RecomputeState.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0
