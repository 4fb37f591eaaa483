"""What customers think: a satisfaction rating per ticket or chat, the recovery of every
unhappy one, complaints, and the periodic NPS survey.

A rating is kept on one scale (1–5); the three-point question (good / okay / bad) is stored
as 5 / 3 / 1. Nothing here has side effects in save(): destek.feedback's services write.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RatingScale(models.TextChoices):
    THREE = "three", _("Good / okay / bad")
    FIVE = "five", _("1 to 5 stars")


# A score at or under this is "bad": it opens a recovery (1 on the three-point scale = bad,
# 1–2 stars on five).
BAD_SCORE_AT_MOST = 2


class FeedbackSettings(models.Model):
    """One row: how the company asks (an administrator's choice in Settings)."""

    scale = models.CharField(_("rating scale"), max_length=8, choices=RatingScale.choices,
                             default=RatingScale.THREE)
    change_window_days = models.PositiveIntegerField(
        _("a rating may be changed for (days)"), default=7)
    link_valid_days = models.PositiveIntegerField(_("rating links work for (days)"), default=30)
    nps_enabled = models.BooleanField(_("send the NPS survey"), default=False)
    nps_every_days = models.PositiveIntegerField(
        _("ask each customer at most every (days)"), default=90)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")

    def __str__(self) -> str:
        return str(_("feedback settings"))


class RatingSource(models.TextChoices):
    EMAIL = "email", _("Email link")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat widget")


class Rating(models.Model):
    """A customer's answer to "How did we do?" about one ticket or one chat."""

    ticket = models.OneToOneField("tickets.Ticket", null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="rating")
    conversation = models.OneToOneField("livechat.Conversation", null=True, blank=True,
                                        on_delete=models.CASCADE, related_name="rating")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="ratings_given")
    # Whom it rates: the agent who handled the ticket or chat when it was rated.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="ratings_received")
    scale = models.CharField(max_length=8, choices=RatingScale.choices)
    score = models.PositiveSmallIntegerField(_("score"))  # 1–5 whatever the scale
    comment = models.TextField(_("comment"), blank=True)
    is_complaint = models.BooleanField(_("complaint"), default=False)
    source = models.CharField(max_length=8, choices=RatingSource.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) ^ Q(conversation__isnull=False),
                name="rating_of_one_thing"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5),
                                   name="rating_score_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["agent", "created_at"], name="rating_agent_time"),
            models.Index(fields=["customer", "created_at"], name="rating_customer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5"

    @property
    def is_bad(self) -> bool:
        return self.score <= BAD_SCORE_AT_MOST


class RecoveryState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Recovered")
    DISMISSED = "dismissed", _("Dismissed")


class Recovery(models.Model):
    """What became of an unhappy customer's rating or complaint: a recovery ticket for the
    team's supervisor, or an explicit dismissal with its reason. The customer is "at risk"
    while one of theirs is open."""

    rating = models.OneToOneField(Rating, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="recovery")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="recoveries")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="recoveries",
                               help_text=_("The recovery ticket."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="recoveries_owned")
    state = models.CharField(max_length=16, choices=RecoveryState.choices,
                             default=RecoveryState.OPEN)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    dismiss_reason = models.TextField(_("reason for dismissing"), blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    reasked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        indexes = [models.Index(fields=["customer", "state"], name="recovery_customer_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=RecoveryState.DISMISSED) | ~Q(dismiss_reason=""),
                name="recovery_dismissal_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.state}"


class Complaint(models.Model):
    """A complaint: filed from the portal or chosen in a rating's comment. Its ticket sits
    in the complaints view, owned by a supervisor, on the 24-hour clock."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE,
                                  related_name="complaint")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="complaints")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="complaints_owned")
    rating = models.OneToOneField(Rating, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="complaint")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.ticket_id}"


class NpsResponse(models.Model):
    """One NPS survey sent to a customer, and their answer (0–10) once given."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="nps_responses")
    sent_at = models.DateTimeField(default=timezone.now)
    # Which period of FeedbackSettings.nps_every_days it was sent in (days since the epoch
    # // the period): one survey per customer and period, whatever reruns or races.
    period = models.PositiveIntegerField(default=0)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")
        indexes = [models.Index(fields=["customer", "sent_at"], name="nps_customer_sent")]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=10),
                                   name="nps_score_0_to_10"),
            models.UniqueConstraint(fields=["customer", "period"],
                                    name="nps_one_per_customer_period"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"


class NpsOptOut(models.Model):
    """A customer who asked not to receive the NPS survey again."""

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="nps_opt_out")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.customer_id}"
