"""Test helpers: categories, and articles written through the service (rendered and indexed)."""

from __future__ import annotations

import datetime
import secrets

import factory

from destek.accounts.factories import AgentFactory
from destek.accounts.models import User
from destek.kb.models import Article, ArticleStatus, Audience, Category
from destek.kb.services.articles import ArticleInput, article_create, article_publish


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    name_tr = factory.Sequence(lambda n: f"Kategori {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


def make_article(*, title: str, body: str = "", language: str = "en",
                 audience: str = Audience.PUBLIC, status: str = ArticleStatus.PUBLISHED,
                 category: Category | None = None, is_faq: bool = False,
                 author: User | None = None, publish_at: datetime.datetime | None = None,
                 translation_of: Article | None = None, summary: str = "") -> Article:
    """An article as an agent would write it: through article_create (and article_publish)."""
    # A random address: browser tests call this from several `destek shell` processes on one
    # database, where a per-process counter would hand out the same address twice.
    writer: User = author or AgentFactory(  # type: ignore[assignment]
        email=f"kb-author-{secrets.token_hex(6)}@support.example.com")
    article = article_create(
        actor=writer, translation_of=translation_of,
        data=ArticleInput(title=title, body_markdown=body, language=language, category=category,
                          audience=audience, is_faq=is_faq, summary=summary))
    if status == ArticleStatus.PUBLISHED:
        article = article_publish(actor=writer, article=article, publish_at=publish_at)
    elif status != ArticleStatus.DRAFT:
        Article.objects.filter(pk=article.pk).update(status=status)
        article.status = status
    return article
