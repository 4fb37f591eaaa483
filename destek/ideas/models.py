"""The suggestions board: ideas customers post, vote on and comment on; staff answer them.

`Idea.vote_count` and `Idea.comment_count` are kept by the services (destek.ideas.services) with
F() updates in the vote's or comment's own transaction, so the board never counts rows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    CUSTOMERS = "customers", _("Signed-in customers only")


class IdeaStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class IdeaCategory(models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_tr = models.CharField(_("name in Turkish"), max_length=100, blank=True)
    visibility = models.CharField(_("who sees it"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("idea category")
        verbose_name_plural = _("idea categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (the English one when no Turkish one is given)."""
        if (get_language() or "en").startswith("tr") and self.name_tr:
            return self.name_tr
        return self.name


class Idea(models.Model):
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), max_length=5000)
    category = models.ForeignKey(IdeaCategory, on_delete=models.PROTECT, related_name="ideas",
                                 verbose_name=_("category"))
    # What the idea is about, when its author chose one of their services.
    service = models.ForeignKey("hosting.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("service"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="ideas", verbose_name=_("author"))
    status = models.CharField(_("status"), max_length=16, choices=IdeaStatus.choices,
                              default=IdeaStatus.NEW)
    official_response = models.TextField(_("official response"), blank=True)
    official_response_tr = models.TextField(_("official response in Turkish"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("responded by"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    ticket_count = models.PositiveIntegerField(_("tickets"), default=0)
    # Hidden: off the board (moderation, spam, merged). Locked: no more votes or comments.
    hidden = models.BooleanField(_("hidden"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    is_spam = models.BooleanField(_("spam"), default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged", verbose_name=_("merged into"))
    # PostgreSQL's search vector (destek.ideas.search); SQLite keeps an FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        indexes = [
            # The board's three orders over visible ideas: top, newest, by status.
            models.Index(fields=["hidden", "-vote_count", "-id"], name="ideas_top"),
            models.Index(fields=["hidden", "-id"], name="ideas_newest"),
            models.Index(fields=["hidden", "status", "-vote_count", "-id"],
                         name="ideas_status_top"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def response_text(self) -> str:
        if (get_language() or "en").startswith("tr") and self.official_response_tr:
            return self.official_response_tr
        return self.official_response


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"],
                                               name="ideas_one_vote_per_user")]
        indexes = [models.Index(fields=["user", "idea"], name="ideas_vote_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id}"


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    body = models.TextField(_("comment"), max_length=5000)
    hidden = models.BooleanField(_("hidden"), default=False)
    # The idea the comment was written on, when it came here by a merge.
    merged_from = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["idea", "id"], name="ideas_comment_idea")]

    def __str__(self) -> str:
        return self.body[:60]


class IdeaTicket(models.Model):
    """A ticket that asks for the idea ("3 tickets ask for this")."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "ticket"],
                                               name="ideas_one_link_per_ticket")]

    def __str__(self) -> str:
        return f"{self.idea_id} ← {self.ticket_id}"


class StatusChange(models.Model):
    """One status change of an idea: what its followers are emailed about, once each."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    previous = models.CharField(max_length=16, choices=IdeaStatus.choices)
    status = models.CharField(max_length=16, choices=IdeaStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.previous} → {self.status}"
