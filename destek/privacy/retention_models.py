"""The retention rules: how long raw emails, attachments, chat transcripts and closed tickets
are kept. One row (the singleton), edited by administrators in the desk."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEEP_FOREVER_HELP = _("In days. Empty: keep forever.")


class RetentionPolicy(models.Model):
    SINGLETON_ID = 1

    raw_email_days = models.PositiveIntegerField(
        _("delete raw inbound emails after"), null=True, blank=True, help_text=KEEP_FOREVER_HELP)
    attachment_days = models.PositiveIntegerField(
        _("delete ticket attachments after"), null=True, blank=True,
        help_text=KEEP_FOREVER_HELP)
    chat_days = models.PositiveIntegerField(
        _("erase chat transcripts after"), null=True, blank=True,
        help_text=_("In days after the chat ended. Empty: keep forever."))
    closed_ticket_days = models.PositiveIntegerField(
        _("anonymise closed tickets after"), null=True, blank=True,
        help_text=_("In days after the ticket was closed. Empty: keep forever."))
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    last_run_at = models.DateTimeField(_("last applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention rules")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return str(_("Retention rules"))
