"""The transactional email outbox and the admin-editable notification templates.

An OutboundEmail row is written in the same database transaction as the change that caused
it (a ticket opened, a reply posted, a password-reset request), so the email exists if and
only if the change committed. Celery workers deliver rows and mark them; nothing else sends.
"""

from __future__ import annotations

from django.db import models
from django.template import Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(models.Model):
    """One email to deliver, stored as the exact bytes that go on the wire.

    `raw_message` is serialized once, so every delivery attempt (including a re-send after a
    crash) carries the same Message-ID, Date and body. Emails handed over whole (allauth,
    `send_mail`) are serialized when the row is written. Ticket notifications are written
    as a `payload` (what to say to whom: template key and ids, destek.notifications.notices)
    and rendered by the worker that first claims the row, before its first attempt;
    `rendered_at` is set then, and every later attempt sends the stored bytes.
    `subject`, `body_text`, `body_html` and `headers` are copies for people reading the admin.
    """

    status = models.CharField(_("status"), max_length=16, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    kind = models.CharField(_("kind"), max_length=40, blank=True, default="",
                            help_text=_("What caused the email, e.g. ticket_opened."))
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="outbound_emails",
                               verbose_name=_("ticket"))
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, blank=True, default="",
        help_text=_("The same notification for the same event is written once."),
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, db_index=True)
    from_email = models.CharField(_("from"), max_length=320)
    recipients = models.JSONField(_("recipients"), default=list,
                                  help_text=_("Envelope recipients: To, Cc and Bcc."))
    subject = models.TextField(_("subject"), blank=True, default="")
    body_text = models.TextField(_("text body"), blank=True, default="")
    body_html = models.TextField(_("HTML body"), blank=True, default="")
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    raw_message = models.BinaryField(_("raw message"))
    payload = models.JSONField(
        _("payload"), default=dict, blank=True,
        help_text=_("A notification not rendered yet: what to say to whom, as ids."))
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~models.Q(idempotency_key=""),
                name="uniq_outbound_email_idempotency_key",
            )
        ]
        indexes = [
            # The sweeper's two questions: which pending rows are due, which sending rows
            # are stuck. Both are range scans on this index.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_sweep"),
            models.Index(fields=["status", "claimed_at"], name="outbox_claimed"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def needs_rendering(self) -> bool:
        return bool(self.payload) and self.rendered_at is None

    @property
    def raw_bytes(self) -> bytes:
        """BinaryField comes back as memoryview on PostgreSQL and bytes on SQLite."""
        return bytes(self.raw_message)


class TemplateKey(models.TextChoices):
    TICKET_OPENED = "ticket_opened", _("Ticket opened (to the customer)")
    AGENT_REPLY = "agent_reply", _("Agent replied (to the customer)")
    AGENT_ASSIGNED = "agent_assigned", _("Ticket assigned (to the agent)")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied (to the assignee)")
    # Sent by other apps through notify (their files: sla, livechat, privacy templates/);
    # listed so an admin can replace them too (destek.notifications.catalog).
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    SLA_PROGRESS_REMINDER = "sla_progress_reminder", _("Progress update due")
    SLA_PROGRESS_UPDATE = "sla_progress_update", _("Progress update")
    SLA_ON_CALL = "sla_on_call", _("On-call alert")
    TICKET_MENTIONED = "ticket_mentioned", _("Mentioned in a note")
    FOLLOWED_CUSTOMER_REPLIED = "followed_customer_replied", _("Followed ticket: customer replied")
    FOLLOWED_STATUS_CHANGED = "followed_status_changed", _("Followed ticket: status changed")
    CHAT_TRANSCRIPT = "chat_transcript", _("Chat transcript")
    EXPORT_READY = "export_ready", _("Data export ready")
    TICKET_RESOLVED = "ticket_resolved", _("Ticket resolved or closed (to the customer)")
    # destek.status: an incident's or a maintenance's update, to affected customers and
    # subscribers (its files: status templates/).
    STATUS_INCIDENT_UPDATE = "status_incident_update", _("Incident or maintenance update")
    CSAT_SURVEY = "csat_survey", _("Satisfaction survey (to the customer)")
    NPS_SURVEY = "nps_survey", _("NPS survey (to the customer)")
    # destek.ideas: a suggestion's new status, to who posted, voted or commented.
    IDEA_STATUS_CHANGED = "idea_status_changed", _("Suggestion status changed")
    # destek.feedback: after a recovery, the customer is asked again.
    FEEDBACK_REASK = "feedback_reask", _("How did we do now?")


class TemplateLanguage(models.TextChoices):
    EN = "en", "English"
    TR = "tr", "Türkçe"


TEMPLATE_VARIABLES_HELP = _(
    "Django template syntax. Variables: recipient_name, reference, subject, ticket_url, "
    "message_text, author_name, customer_name, customer_email, department, priority, status, "
    "attachment_names, site_name; opened_by_agent (ticket_opened), assigned_by "
    "(agent_assigned)."
)


def validate_template_syntax(value: str) -> None:
    """Refuse a template that would not compile, so a typo never breaks ticket intake."""
    from django.core.exceptions import ValidationError

    try:
        Template(value)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("Template error: %(error)s"), params={"error": exc}) from exc


class EmailTemplate(models.Model):
    """An admin's override of a shipped notification template for one language."""

    key = models.CharField(_("notification"), max_length=40, choices=TemplateKey.choices)
    language = models.CharField(_("language"), max_length=8, choices=TemplateLanguage.choices)
    subject = models.CharField(_("subject template"), max_length=250,
                               validators=[validate_template_syntax],
                               help_text=TEMPLATE_VARIABLES_HELP)
    body = models.TextField(_("body template"), validators=[validate_template_syntax],
                            help_text=TEMPLATE_VARIABLES_HELP)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="uniq_email_template")
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.language})"
