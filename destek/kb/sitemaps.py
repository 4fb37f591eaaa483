"""sitemap.xml: the articles anyone may read (never customer-only or internal ones)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from destek.kb.access import articles_visible_to
from destek.kb.models import Article


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self) -> QuerySet[Article]:
        return articles_visible_to(AnonymousUser()).only(
            "pk", "language", "slug", "updated_at").order_by("pk")

    def location(self, item: Article) -> str:
        return reverse("kb:article", kwargs={"language": item.language, "slug": item.slug})

    def lastmod(self, item: Article) -> datetime.datetime:
        return item.updated_at


sitemaps = {"kb": ArticleSitemap}
