"""Articles for every audience and state, written through the services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from destek.kb.factories import CategoryFactory, make_article
from destek.kb.models import Article, ArticleStatus, Audience, Category


@dataclass
class Library:
    category: Category
    public: Article
    public_tr: Article
    customers: Article
    internal: Article
    draft: Article
    review: Article
    scheduled: Article

    @property
    def hidden_from_customers(self) -> list[Article]:
        return [self.internal, self.draft, self.review, self.scheduled]

    @property
    def hidden_from_visitors(self) -> list[Article]:
        return [self.customers, *self.hidden_from_customers]


@pytest.fixture
def library(db: None) -> Library:
    category = CategoryFactory(name="Servers", name_tr="Sunucular", slug="servers")
    public = make_article(title="Restart your server", category=category, is_faq=True,
                          body="Open the panel and press *Restart* to reboot the server.")
    public_tr = make_article(title="Sunucunuzu yeniden başlatın", language="tr",
                             category=category, translation_of=public, is_faq=True,
                             body="Paneli açın ve sunucuyu yeniden başlatmak için düğmeye basın.")
    customers = make_article(title="Server backup schedule for customers", category=category,
                             audience=Audience.CUSTOMERS,
                             body="Backups of your server run nightly (customers only).")
    internal = make_article(title="Server root password rotation", category=category,
                            audience=Audience.INTERNAL, is_faq=True,
                            body="Agents rotate the server root password monthly. Secret.")
    draft = make_article(title="Server draft notes", category=category,
                         status=ArticleStatus.DRAFT, body="Unfinished server article.")
    review = make_article(title="Server review pending", category=category,
                          status=ArticleStatus.REVIEW, body="Server article in review.")
    scheduled = make_article(title="Server migration announcement", category=category,
                             publish_at=timezone.now() + datetime.timedelta(days=2),
                             body="Next week every server moves.")
    return Library(category, public, public_tr, customers, internal, draft, review, scheduled)
