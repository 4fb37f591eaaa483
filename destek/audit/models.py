"""One row per security-relevant event. Rows are only ever added (and purged by age)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")
    MFA_CHANGED = "mfa_changed", _("Two-factor authentication changed")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REGENERATED = "token_regenerated", _("API token regenerated")
    TOKEN_USED = "token_used", _("API token used")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    ROLE_CHANGED = "role_changed", _("Role changed")
    EXPORT_REQUESTED = "export_requested", _("Data export requested")
    EXPORT_DOWNLOADED = "export_downloaded", _("Data export downloaded")
    ERASED = "erased", _("Customer erased")
    RETENTION_RUN = "retention_run", _("Retention rules applied")
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")
    # A part of a received email the attachment policy refused (active content), taken from
    # the stored raw message by an administrator (destek.mail.admin_parts).
    REFUSED_PART_DOWNLOADED = "refused_part_downloaded", _("Refused attachment downloaded")
    # A person's own contact details that matter to security: their phone number (the
    # portal's profile) and their email address (allauth's email management).
    CONTACT_CHANGED = "contact_changed", _("Contact details changed")
    # A staff member's moderation of the suggestions board (destek.ideas.moderation): an
    # edit, hiding, locking, spam, a merge.
    IDEA_MODERATED = "idea_moderated", _("Suggestion moderated")
    # A supervisor decided an unhappy customer's rating needs no recovery (destek.feedback).
    RECOVERY_DISMISSED = "recovery_dismissed", _("Recovery dismissed")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    # Who did it. The label keeps the address even after the account is gone (erasure
    # replaces it, see destek.privacy).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    # What it was done to: "user:42", "ticket:T-1001", "setting:retention"…
    target = models.CharField(_("target"), max_length=120, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            # The desk's audit page filters on these, newest first.
            models.Index(fields=["ip", "-at"], name="audit_ip_at"),
            models.Index(fields=["target", "-at"], name="audit_target_at"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.actor_label}"
