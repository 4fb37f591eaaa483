"""Admin: categories are edited here; articles are edited in the agents' editor (/kb/desk/),
which keeps revisions and the search index, so the admin only lists them."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from destek.kb.models import Article, Category, SearchMiss
from destek.kb.services.articles import articles_delete


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_tr", "slug", "parent", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "name_tr"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "status", "audience", "view_count", "needs_review",
                    "editor_link"]
    list_filter = ["language", "status", "audience", "is_faq", "needs_review"]
    search_fields = ["title"]

    @admin.display(description=_("editor"))
    def editor_link(self, article: Article) -> str:
        return format_html('<a href="{}">{}</a>', reverse("kb:desk_edit", args=[article.pk]),
                           _("Edit"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        articles_delete(Article.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        articles_delete(queryset)


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ["query", "language", "count", "last_seen"]
    ordering = ["-count"]
