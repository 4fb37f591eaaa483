"""Writing articles: create, edit, review, publish, translate, restore a revision, delete.

Every write renders the Markdown (sanitized), stores a revision and updates the search index
in the same transaction, so the index never disagrees with what is stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from destek.accounts.models import User
from destek.core.errors import ApplicationError, PermissionDenied
from destek.kb import access
from destek.kb.markdown import render_markdown
from destek.kb.models import LANGUAGES, Article, ArticleStatus, Audience, Category, Revision
from destek.kb.search import index_article, remove_article
from destek.kb.services.terms import terms_record

_TR_SLUG = str.maketrans("çğıöşüÇĞİÖŞÜâîû", "cgiosuCGIOSUaiu")
LANGUAGE_CODES = {code for code, _name in LANGUAGES}


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body_markdown: str
    language: str = "en"
    category: Category | None = None
    audience: str = Audience.PUBLIC
    summary: str = ""
    is_faq: bool = False
    slug: str = ""


def article_slug(*, title: str, language: str, exclude_id: int | None = None) -> str:
    """A URL slug from the title (Turkish letters transliterated), unique per language."""
    base = slugify(title.translate(_TR_SLUG))[:180] or "article"
    slug, n = base, 2
    qs = Article.objects.filter(language=language)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    while qs.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _require_editor(actor: User) -> None:
    if not access.can_edit(actor):
        raise PermissionDenied(_("Only agents can edit the knowledge base."))


def _validate(data: ArticleInput) -> None:
    if not data.title.strip():
        raise ApplicationError(_("A title is required."), field="title")
    if data.language not in LANGUAGE_CODES:
        raise ApplicationError(_("Choose English or Turkish."), field="language")
    if data.audience not in Audience.values:
        raise ApplicationError(_("Choose who may read the article."), field="audience")


def _apply(article: Article, data: ArticleInput) -> None:
    article.title = data.title.strip()[:200]
    article.summary = data.summary.strip()[:300]
    article.body_markdown = data.body_markdown
    article.body_html, article.body_text = render_markdown(data.body_markdown)
    article.category = data.category
    article.audience = data.audience
    article.is_faq = data.is_faq


def _revise(*, actor: User | None, article: Article, note: str) -> Revision:
    last = article.revisions.aggregate(n=Max("number"))["n"] or 0
    return Revision.objects.create(
        article=article, number=last + 1, title=article.title, summary=article.summary,
        body_markdown=article.body_markdown, author=actor, note=note[:200])


def _reindex(article: Article) -> None:
    index_article(article)
    terms_record(text=f"{article.title}\n{article.summary}\n{article.body_text}",
                 language=article.language)


@transaction.atomic
def article_create(*, actor: User, data: ArticleInput, translation_of: Article | None = None,
                   note: str = "") -> Article:
    """A new draft (publishing is a separate step that needs an in-house agent)."""
    _require_editor(actor)
    _validate(data)
    article = Article(language=data.language, author=actor, status=ArticleStatus.DRAFT)
    if translation_of is not None:
        if Article.objects.filter(group=translation_of.group, language=data.language).exists():
            raise ApplicationError(_("This article already has a translation in that language."),
                                   field="language")
        article.group = translation_of.group
    _apply(article, data)
    article.slug = (slugify(data.slug)[:200] if data.slug else "") or article_slug(
        title=article.title, language=article.language)
    if Article.objects.filter(language=article.language, slug=article.slug).exists():
        raise ApplicationError(_("Another article already uses this address."), field="slug")
    article.save()
    _revise(actor=actor, article=article, note=note or pgettext("first revision", "Created"))
    _reindex(article)
    return article


@transaction.atomic
def article_update(*, actor: User, article: Article, data: ArticleInput,
                   note: str = "") -> Article:
    _require_editor(actor)
    if not access.can_publish(actor) and article.status not in (ArticleStatus.DRAFT,
                                                                ArticleStatus.REVIEW):
        raise PermissionDenied(_("Published articles are edited by in-house agents."))
    _validate(data)
    if data.language != article.language:
        raise ApplicationError(_("Add a translation instead of changing the language."),
                               field="language")
    _apply(article, data)
    if data.slug and slugify(data.slug) != article.slug:
        slug = slugify(data.slug)[:200]
        if Article.objects.filter(language=article.language, slug=slug).exclude(
                pk=article.pk).exists():
            raise ApplicationError(_("Another article already uses this address."),
                                   field="slug")
        article.slug = slug
    article.updated_at = timezone.now()
    article.save()
    _revise(actor=actor, article=article, note=note)
    _reindex(article)
    return article


def _set_status(article: Article, status: str, **fields: object) -> Article:
    article.status = status
    for name, value in fields.items():
        setattr(article, name, value)
    article.updated_at = timezone.now()
    article.save(update_fields=["status", "updated_at", *fields])
    index_article(article)  # the index keeps its own copy of who may find the article
    return article


@transaction.atomic
def article_submit_for_review(*, actor: User, article: Article) -> Article:
    _require_editor(actor)
    if article.status != ArticleStatus.DRAFT:
        raise ApplicationError(_("Only a draft can be submitted for review."))
    return _set_status(article, ArticleStatus.REVIEW)


@transaction.atomic
def article_publish(*, actor: User, article: Article,
                    publish_at: datetime.datetime | None = None) -> Article:
    """Publish now, or at `publish_at` (scheduled: visible from then on, no job needed)."""
    if not access.can_publish(actor):
        raise PermissionDenied(_("Outsourced agents submit articles for review; an in-house "
                                 "agent publishes them."))
    if publish_at is not None and timezone.is_naive(publish_at):
        raise ApplicationError(_("Give the publishing time with its time zone."),
                               field="publish_at")
    return _set_status(article, ArticleStatus.PUBLISHED, publish_at=publish_at,
                       needs_review=False)


@transaction.atomic
def article_unpublish(*, actor: User, article: Article, archive: bool = False) -> Article:
    if not access.can_publish(actor):
        raise PermissionDenied(_("Only in-house agents can unpublish articles."))
    return _set_status(article, ArticleStatus.ARCHIVED if archive else ArticleStatus.DRAFT)


def article_input_from(article: Article, **changes: object) -> ArticleInput:
    values: dict[str, object] = {
        "title": article.title, "body_markdown": article.body_markdown,
        "language": article.language, "category": article.category,
        "audience": article.audience, "summary": article.summary, "is_faq": article.is_faq,
        "slug": article.slug,
    }
    values.update(changes)
    return ArticleInput(**values)  # type: ignore[arg-type]


def article_restore_revision(*, actor: User, article: Article, revision: Revision) -> Article:
    """The revision's text becomes the current text, recorded as a new revision."""
    if revision.article_id != article.pk:
        raise ApplicationError(_("This revision belongs to another article."))
    data = article_input_from(article, title=revision.title, summary=revision.summary,
                       body_markdown=revision.body_markdown)
    return article_update(actor=actor, article=article, data=data,
                          note=_("Restored revision %(number)s") % {"number": revision.number})


@transaction.atomic
def articles_delete(articles: QuerySet[Article]) -> None:
    """Delete articles (the admin's only write): search and the caches of it forget them."""
    ids = list(articles.values_list("pk", flat=True))
    articles.delete()
    for article_id in ids:
        remove_article(article_id)
