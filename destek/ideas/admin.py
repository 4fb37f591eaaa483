"""Admin: the board's categories (name in both languages, who sees them, order) are edited here;
ideas are moderated on the board itself (its staff panel keeps the counters, the search index
and the audit log), so the admin only lists them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from destek.ideas.models import Idea, IdeaCategory


@admin.register(IdeaCategory)
class IdeaCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_tr", "visibility", "position"]
    list_editable = ["position"]
    search_fields = ["name", "name_tr"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "status", "vote_count", "comment_count", "hidden",
                    "is_spam", "created_at"]
    list_filter = ["status", "category", "hidden", "is_spam", "locked"]
    search_fields = ["title"]
    fields = ("title", "description", "category", "status", "vote_count", "comment_count",
              "hidden", "locked", "is_spam", "merged_into", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Idea | None = None) -> bool:
        return False
