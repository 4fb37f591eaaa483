"""The knowledge base: categories, articles in Turkish and English, revisions, feedback.

Rendering, indexing, revisions and counters are written by destek.kb.services; nothing here
has side effects in save().
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("en", "English"), ("tr", "Türkçe")]


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    CUSTOMERS = "customers", _("Signed-in customers")
    INTERNAL = "internal", _("Agents only")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Category(models.Model):
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("parent category"))
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_tr = models.CharField(_("name in Turkish"), max_length=120, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_tr = models.CharField(_("description in Turkish"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str | None) -> str:
        return self.name_tr if language == "tr" and self.name_tr else self.name

    def localized_description(self, language: str | None) -> str:
        return self.description_tr if language == "tr" and self.description_tr \
            else self.description


class Article(models.Model):
    # Translations of one article share a group; at most one article per language in a group.
    group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="en")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="articles", verbose_name=_("category"))
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(_("body (HTML)"), blank=True, editable=False)
    body_text = models.TextField(_("plain text"), blank=True, editable=False)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices,
                                default=Audience.PUBLIC)
    status = models.CharField(_("status"), max_length=16, choices=ArticleStatus.choices,
                              default=ArticleStatus.DRAFT)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    is_faq = models.BooleanField(_("show in the FAQ"), default=False)
    needs_review = models.BooleanField(_("flagged for review"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("author"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful votes"), default=0)
    unhelpful_count = models.PositiveIntegerField(_("unhelpful votes"), default=0)
    deflection_count = models.PositiveIntegerField(_("tickets avoided"), default=0)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="kb_article_lang_slug"),
            models.UniqueConstraint(fields=["group", "language"], name="kb_article_group_lang"),
        ]
        indexes = [
            models.Index(fields=["status", "audience", "publish_at"], name="kb_article_visible"),
            models.Index(fields=["is_faq", "status"], name="kb_article_faq"),
            models.Index(fields=["-view_count"], name="kb_article_views"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and (
            self.publish_at is None or self.publish_at <= timezone.now())

    @property
    def usefulness(self) -> int:
        return self.helpful_count - self.unhelpful_count


def _attachment_path(instance: ArticleAttachment, filename: str) -> str:
    # A generated name: the original one is kept in the row, never used on disk.
    return f"kb/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}


class Revision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body_markdown = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"],
                                               name="kb_revision_number")]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class Vote(models.Model):
    """One "was this helpful?" answer per signed-in user, or per browser session."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="kb_vote_user",
                                    condition=models.Q(user__isnull=False)),
            models.UniqueConstraint(fields=["article", "session_key"], name="kb_vote_session",
                                    condition=models.Q(user__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"


class Deflection(models.Model):
    """A customer found the answer in an article instead of opening the ticket they typed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("avoided ticket")
        verbose_name_plural = _("avoided tickets")

    def __str__(self) -> str:
        return self.subject


class SearchMiss(models.Model):
    """A search that found nothing: what customers look for and the KB does not answer yet."""

    query = models.CharField(_("search words"), max_length=200)
    language = models.CharField(_("language"), max_length=8, blank=True)
    count = models.PositiveIntegerField(_("searches"), default=1)
    last_seen = models.DateTimeField(_("last searched"), default=timezone.now)

    class Meta:
        verbose_name = _("search without results")
        verbose_name_plural = _("searches without results")
        constraints = [models.UniqueConstraint(fields=["query", "language"],
                                               name="kb_searchmiss_query")]
        indexes = [models.Index(fields=["-count"], name="kb_searchmiss_count")]

    def __str__(self) -> str:
        return self.query


class SearchIndex(models.Model):
    """PostgreSQL's search index of an article (destek.kb.search.postgres); SQLite keeps the
    FTS5 table kb_article_fts instead. A narrow table of its own: in kb_article's wide rows the
    vectors are compressed with the bodies, and reading them cost 10x more (bench/README.md)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True,
                                   related_name="search_index")
    vector = SearchVectorField()
    title_vector = SearchVectorField()
    # Copies of the article's fields that decide who may find it (destek.kb.access applies
    # the same conditions here), so a search reads one narrow table; rewritten by every
    # write of the article (services), never edited on their own.
    language = models.CharField(max_length=8)
    audience = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    publish_at = models.DateTimeField(null=True)
    category = models.ForeignKey(Category, null=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self) -> str:
        return str(self.article_id)


class SearchTerm(models.Model):
    """The words the articles use, lower-cased: typo correction picks the nearest one."""

    term = models.CharField(max_length=60)
    language = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["language", "term"],
                                               name="kb_searchterm_unique")]

    def __str__(self) -> str:
        return self.term


class SearchState(models.Model):
    """One row: a random version that every write of the search index changes (in the same
    transaction), and when the next scheduled article goes live. Caches of what search finds
    (destek.kb.freshness) are keyed by it, in the database and not in the cache, so that every
    process and web node sees a change at the moment it is committed, whatever the cache."""

    version = models.BigIntegerField(default=0)
    # Unix time (seconds) at which a scheduled article becomes visible: the version changes
    # then too. Null when nothing is scheduled.
    refresh_at = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("search state")
        verbose_name_plural = _("search state")

    def __str__(self) -> str:
        return str(self.version)
