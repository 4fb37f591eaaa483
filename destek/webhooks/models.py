"""Outbound webhooks.

- `Endpoint`: where to tell what. A signed JSON webhook (HMAC-SHA256 over the timestamp and
  the body, `signing.py`) or a chat room's incoming webhook (Slack, Microsoft Teams,
  Mattermost: their own message formats, no signature). Disabled automatically after
  `DESTEK_WEBHOOK_DISABLE_AFTER` failed deliveries in a row, and the admins are emailed.
- `Delivery`: the outbox. Written in the same transaction as the change it reports, so an
  event exists if and only if the change committed; a worker sends it with exponential retry
  and keeps the response code. Receivers dedupe on `event_id` (at least once, as Stripe).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    TICKET_ASSIGNED = "ticket.assigned", _("Ticket assigned")
    MESSAGE_CUSTOMER = "message.customer", _("Customer replied")
    MESSAGE_AGENT = "message.agent", _("Agent replied")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACH = "sla.breach", _("SLA breached")
    RATING_RECEIVED = "rating.received", _("Rating received")
    CHAT_ENDED = "chat.ended", _("Chat ended")
    TEST = "webhook.test", _("Test event")


class EndpointKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook (signed JSON)")
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    MATTERMOST = "mattermost", "Mattermost"


class Endpoint(models.Model):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=EndpointKind.choices,
                            default=EndpointKind.WEBHOOK)
    url = models.URLField(_("URL"), max_length=500)
    # Sealed (destek.core.sealing): the signing secret, shown once to the admin who made it.
    secret_sealed = models.TextField(blank=True, default="")
    # Event types this endpoint subscribes to (EventType values). A chat room used only by
    # triggers' "notify a channel" action subscribes to none.
    events = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")  # gave up after the last attempt


class Delivery(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=12, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds the delivery until then; a worker killed mid-send lets it go again.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_response = models.CharField(max_length=500, blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The sweep: what is due, oldest first; only rows still to send.
            models.Index(fields=["next_attempt_at"], name="outbound_delivery_due",
                         condition=models.Q(state__in=["pending", "retrying"])),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="outbound_delivery_log"),
        ]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"],
                                               name="outbound_delivery_once")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"
