"""Presentation helpers for knowledge-base templates (no queries, no business rules)."""

from __future__ import annotations

from django import template
from django.utils.text import Truncator

from destek.kb.models import Article, Category
from destek.kb.views.common import ui_language

register = template.Library()


@register.filter
def localized_name(category: Category | None) -> str:
    return category.localized_name(ui_language()) if category else ""


@register.filter
def localized_description(category: Category | None) -> str:
    return category.localized_description(ui_language()) if category else ""


@register.filter
def description(article: Article) -> str:
    """For <meta name="description"> and Open Graph: the summary, or the text's beginning."""
    return article.summary or Truncator(" ".join(article.body_text.split())).chars(200)
