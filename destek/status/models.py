"""Keeping customers informed: the components a hosting company runs, the incidents and
scheduled maintenance that touch them, the backup routine behind them, and who hears about
each.

A component reaches customers through what they buy: the servers/nodes and plans of their
services (`hosting.Service.server` / `.plan`), or customers and organizations named on it
directly (`ComponentMember`). `destek.status.audience` turns that into recipients; nothing
here has side effects in save().
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ComponentStatus(models.TextChoices):
    # Ordered from best to worst: `worst()` and the page's overall status rely on it.
    OPERATIONAL = "operational", _("Operational")
    MAINTENANCE = "maintenance", _("Under maintenance")
    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")


STATUS_ORDER = [choice.value for choice in ComponentStatus]


def worst(statuses: list[str]) -> str:
    """The most severe of `statuses` (operational when there is none)."""
    return max(statuses, key=STATUS_ORDER.index, default=ComponentStatus.OPERATIONAL.value)


class ComponentGroup(models.Model):
    name = models.CharField(_("name"), max_length=120)
    name_tr = models.CharField(_("name in Turkish"), max_length=120, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("component group")
        verbose_name_plural = _("component groups")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str | None) -> str:
        return self.name_tr if language == "tr" and self.name_tr else self.name


class Component(models.Model):
    """Something customers depend on: "Shared hosting – web-07", "Email", "DNS"…"""

    group = models.ForeignKey(ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="components", verbose_name=_("group"))
    slug = models.SlugField(_("slug"), max_length=80, unique=True,
                            help_text=_("Its name in links, badges and monitoring alerts."))
    name = models.CharField(_("name"), max_length=120)
    name_tr = models.CharField(_("name in Turkish"), max_length=120, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_tr = models.CharField(_("description in Turkish"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=ComponentStatus.choices,
                              default=ComponentStatus.OPERATIONAL)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    # Who depends on it: customers with a live service on one of these servers/nodes or
    # plans (matched exactly, as hosting stores them), plus the members named below.
    servers = models.JSONField(_("servers / nodes"), default=list, blank=True)
    plans = models.JSONField(_("plans"), default=list, blank=True)
    # A monitoring alert about this component opens a published incident (True) or a draft
    # an agent publishes (False).
    alerts_publish = models.BooleanField(
        _("publish monitoring alerts directly"), default=False,
        help_text=_("Otherwise an alert opens a draft incident for an agent to publish."))
    is_public = models.BooleanField(_("shown on the public status page"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str | None) -> str:
        return self.name_tr if language == "tr" and self.name_tr else self.name

    def localized_description(self, language: str | None) -> str:
        return self.description_tr if language == "tr" and self.description_tr \
            else self.description


class ComponentMember(models.Model):
    """A customer or organization that depends on a component directly (a dedicated
    server, a custom setup) rather than through a service's server or plan."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("accounts.Organization", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) ^ Q(organization__isnull=False),
                name="component_member_one_owner"),
            models.UniqueConstraint(fields=["component", "customer"],
                                    condition=Q(customer__isnull=False),
                                    name="component_member_customer_once"),
            models.UniqueConstraint(fields=["component", "organization"],
                                    condition=Q(organization__isnull=False),
                                    name="component_member_org_once"),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.customer_id or self.organization_id}"


class ComponentStatusSpan(models.Model):
    """How long a component spent in each status: the 90-day uptime history. One open span
    (`ended_at` null) per component, closed when its status changes."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="spans")
    status = models.CharField(max_length=16, choices=ComponentStatus.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["component", "started_at"], name="status_span_time")]

    def __str__(self) -> str:
        return f"{self.status} from {self.started_at}"


class IncidentKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    MAINTENANCE = "maintenance", _("Scheduled maintenance")


class IncidentState(models.TextChoices):
    # Incidents
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    # Scheduled maintenance
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


INCIDENT_STATES = [IncidentState.INVESTIGATING, IncidentState.IDENTIFIED,
                   IncidentState.MONITORING, IncidentState.RESOLVED]
MAINTENANCE_STATES = [IncidentState.SCHEDULED, IncidentState.IN_PROGRESS,
                      IncidentState.COMPLETED]
CLOSED_STATES = [IncidentState.RESOLVED, IncidentState.COMPLETED]


class Impact(models.TextChoices):
    NONE = "none", _("No impact")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class IncidentSource(models.TextChoices):
    AGENT = "agent", _("An agent")
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    UPTIME_KUMA = "uptime_kuma", "Uptime Kuma"
    WEBHOOK = "webhook", _("Monitoring webhook")


class Incident(models.Model):
    """An incident or a scheduled maintenance (`kind`), on some components, told to the
    customers who depend on them through its updates."""

    kind = models.CharField(_("kind"), max_length=16, choices=IncidentKind.choices,
                            default=IncidentKind.INCIDENT)
    title = models.CharField(_("title"), max_length=200)
    title_tr = models.CharField(_("title in Turkish"), max_length=200, blank=True)
    impact = models.CharField(_("impact"), max_length=16, choices=Impact.choices,
                              default=Impact.MINOR)
    state = models.CharField(_("state"), max_length=16, choices=IncidentState.choices,
                             default=IncidentState.INVESTIGATING)
    # What the affected components show while it is open (maintenance: "maintenance").
    component_status = models.CharField(_("components' status while open"), max_length=16,
                                        choices=ComponentStatus.choices,
                                        default=ComponentStatus.PARTIAL_OUTAGE)
    components = models.ManyToManyField(Component, related_name="incidents", blank=True,
                                        verbose_name=_("affected components"))
    # A draft is seen by agents only: nothing is shown or sent until it is published.
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    postmortem_url = models.URLField(_("post-mortem link"), max_length=500, blank=True)
    # Scheduled maintenance: its window, and whether it starts and ends by itself.
    scheduled_start = models.DateTimeField(_("starts"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("ends"), null=True, blank=True)
    auto_transition = models.BooleanField(_("start and end automatically"), default=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Where it came from; a monitoring alert's key makes a repeated alert idempotent.
    source = models.CharField(_("source"), max_length=16, choices=IncidentSource.choices,
                              default=IncidentSource.AGENT)
    alert_key = models.CharField(_("alert key"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open incident per alert: a repeated alert updates it.
            models.UniqueConstraint(fields=["source", "alert_key"],
                                    condition=~Q(alert_key="") & Q(resolved_at__isnull=True),
                                    name="incident_one_open_per_alert"),
        ]
        indexes = [
            models.Index(fields=["resolved_at", "published_at"], name="incident_open"),
            models.Index(fields=["kind", "scheduled_start"], name="incident_schedule"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def localized_title(self, language: str | None) -> str:
        return self.title_tr if language == "tr" and self.title_tr else self.title


class FanoutState(models.TextChoices):
    NOT_SENT = "not_sent", _("Not sent")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")


class IncidentUpdate(models.Model):
    """One entry of an incident's timeline, in English and Turkish. Publishing it notifies
    every affected customer and subscriber once (`destek.status.fanout`); the counters are
    the sender's progress bar."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    state = models.CharField(_("state"), max_length=16, choices=IncidentState.choices)
    body = models.TextField(_("message"))
    body_tr = models.TextField(_("message in Turkish"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    notify = models.BooleanField(_("notify affected customers"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    fanout_state = models.CharField(max_length=16, choices=FanoutState.choices,
                                    default=FanoutState.NOT_SENT)
    fanout_total = models.PositiveIntegerField(default=0)
    fanout_done = models.PositiveIntegerField(default=0)
    # Where the fan-out stands (destek.status.fanout_tasks), committed with each batch: the
    # recipients' list being walked, the last id done in it, the batch number a task must
    # carry to run, and when a batch last committed (the sweeper resumes a stalled one).
    fanout_phase = models.CharField(max_length=16, blank=True, default="")
    fanout_cursor = models.BigIntegerField(default=0)
    fanout_step = models.PositiveIntegerField(default=0)
    fanout_progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.state}"

    def localized_body(self, language: str | None) -> str:
        return self.body_tr if language == "tr" and self.body_tr else self.body


class IncidentTicket(models.Model):
    """A ticket (or a chat's ticket) about an incident: linked automatically when an
    affected customer opens it while the incident is open, or by an agent."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="incident_links")
    automatic = models.BooleanField(default=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "ticket"],
                                               name="incident_ticket_once")]

    def __str__(self) -> str:
        return f"{self.incident_id} ↔ {self.ticket_id}"


class BackupRoutine(models.Model):
    """What is backed up, how often and for how long, on a component or for a plan; shown
    to the customers it concerns."""

    component = models.ForeignKey(Component, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="backup_routines", verbose_name=_("component"))
    plan = models.CharField(_("plan"), max_length=120, blank=True,
                            help_text=_("Or a plan, as the customers' services name it."))
    what = models.CharField(_("what is backed up"), max_length=200)
    what_tr = models.CharField(_("what is backed up, in Turkish"), max_length=200, blank=True)
    every_hours = models.PositiveIntegerField(_("every (hours)"), default=24)
    keep_days = models.PositiveIntegerField(_("kept for (days)"), default=30)
    last_success_at = models.DateTimeField(_("last successful backup"), null=True, blank=True)

    class Meta:
        verbose_name = _("backup routine")
        verbose_name_plural = _("backup routines")
        constraints = [
            models.CheckConstraint(condition=Q(component__isnull=False) | ~Q(plan=""),
                                   name="backup_routine_has_scope"),
        ]

    def __str__(self) -> str:
        return self.what

    def localized_what(self, language: str | None) -> str:
        return self.what_tr if language == "tr" and self.what_tr else self.what


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SubscriptionChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class Subscription(models.Model):
    """Someone who asked to hear about components (all of them when none is chosen): by
    email (confirmed by a link) or by a webhook signed with `secret`."""

    channel = models.CharField(max_length=16, choices=SubscriptionChannel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="status_subscriptions")
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(max_length=64, default=new_token)
    token = models.CharField(max_length=64, default=new_token, unique=True)
    components = models.ManyToManyField(Component, blank=True, related_name="subscriptions")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("status subscription")
        verbose_name_plural = _("status subscriptions")

    def __str__(self) -> str:
        return self.email or self.webhook_url


class LinkedReplyState(models.TextChoices):
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")


class LinkedReply(models.Model):
    """One public reply an agent sent to every open ticket linked to an incident ("Answer
    all linked tickets"; with `resolve`, "Resolve linked tickets with a final message").
    Each ticket gets it once: its message's external id names this row's token and the
    ticket (destek.status.tasks.links). The counters are the sender's progress bar; the
    cursor is the last ticket handled, so a batch run twice is counted once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                 related_name="linked_replies")
    token = models.CharField(max_length=64, unique=True)
    body = models.TextField(_("message"))
    resolve = models.BooleanField(_("resolve the tickets"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    state = models.CharField(max_length=16, choices=LinkedReplyState.choices,
                             default=LinkedReplyState.SENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    last_ticket_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.token}"
# shooks: monitoring webhooks (destek.status.hooks)
class MonitoringSource(models.Model):
    """One way monitoring reaches Destek (Alertmanager, Uptime Kuma, signed JSON): whether
    it is on, and its shared secret, sealed (destek.core.sealing) so that a copy of the
    database alone does not reveal it. An admin shows and rotates it on the desk."""

    kind = models.CharField(_("source"), max_length=16, unique=True,
                            choices=[c for c in IncidentSource.choices
                                     if c[0] != IncidentSource.AGENT])
    enabled = models.BooleanField(_("accept alerts"), default=False)
    secret_sealed = models.TextField(blank=True, default="")
    rotated_at = models.DateTimeField(_("secret changed"), null=True, blank=True)
    rotated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    SEAL_PURPOSE = "status.monitoring_source"

    class Meta:
        verbose_name = _("monitoring source")
        verbose_name_plural = _("monitoring sources")

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def secret(self) -> str:
        from destek.core.sealing import unseal
        return unseal(self.secret_sealed, purpose=self.SEAL_PURPOSE)

    def set_secret(self, secret: str) -> None:
        from destek.core.sealing import seal
        self.secret_sealed = seal(secret, purpose=self.SEAL_PURPOSE)
class WebhookState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One incident update POSTed to one webhook subscriber: written by the fan-out (once per
    update and subscription), sent in the background with retries (destek.status.webhooks).
    `body` is the exact JSON sent, so every attempt carries the same bytes and signature."""

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE,
                               related_name="webhook_deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    body = models.TextField()
    status = models.CharField(max_length=16, choices=WebhookState.choices,
                              default=WebhookState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "subscription"],
                                               name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.subscription_id}: {self.status}"
