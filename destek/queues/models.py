"""Saved views: a named set of queue filters (the queue URL's query string), an agent's own or
shared with the whole desk by a supervisor or an administrator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX = 60
QUERY_MAX = 1000


class SavedView(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="saved_views", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=NAME_MAX)
    # The queue's filters as a normalized query string (queues.saved_views.normalized_query).
    query = models.CharField(_("filters"), max_length=QUERY_MAX, blank=True)
    shared = models.BooleanField(_("shared with every agent"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        # The tabs' two reads: an agent's own views, and the shared ones, each by name.
        indexes = [models.Index(fields=["owner", "name"], name="savedview_owner_name"),
                   models.Index(fields=["name"], condition=models.Q(shared=True),
                                name="savedview_shared_name")]
        constraints = [models.UniqueConstraint(fields=["owner", "name"],
                                               name="savedview_owner_name_unique")]

    def __str__(self) -> str:
        return self.name
