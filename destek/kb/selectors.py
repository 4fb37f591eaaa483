"""Reading the knowledge base for pages: categories, FAQ, translations, reports, diffs.

Every list starts from destek.kb.access and is bounded.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import F, QuerySet

from destek.kb.access import Actor, articles_visible_to
from destek.kb.models import Article, Category, Deflection, Revision, SearchMiss

LIST_LIMIT = 100
REPORT_LIMIT = 20


def _light(qs: QuerySet[Article]) -> QuerySet[Article]:
    return qs.defer("body_markdown", "body_html", "body_text")


@dataclass(frozen=True, slots=True)
class CategoryBranch:
    """A top-level category and its direct children, as the help centre lists them."""

    category: Category
    children: list[Category]


def category_list() -> list[CategoryBranch]:
    """The top-level categories with their children (one query)."""
    by_parent: dict[int | None, list[Category]] = {}
    for category in Category.objects.all():
        by_parent.setdefault(category.parent_id, []).append(category)
    return [CategoryBranch(category=root, children=by_parent.get(root.pk, []))
            for root in by_parent.get(None, [])]


def category_path(category: Category) -> list[Category]:
    """The category and its ancestors, root first (depth is small)."""
    path = [category]
    seen = {category.pk}
    while path[0].parent_id and path[0].parent_id not in seen:
        parent = Category.objects.get(pk=path[0].parent_id)
        seen.add(parent.pk)
        path.insert(0, parent)
    return path


def category_articles(*, actor: Actor, category: Category) -> list[Article]:
    return list(_light(articles_visible_to(actor).filter(category=category))
                .order_by("title")[:LIST_LIMIT])


def popular_articles(*, actor: Actor, language: str | None, limit: int = 10) -> list[Article]:
    qs = articles_visible_to(actor)
    if language:
        qs = qs.filter(language=language)
    return list(_light(qs).order_by("-view_count", "pk")[:limit])


def faq_list(*, actor: Actor, language: str | None) -> list[Article]:
    """FAQ articles, most useful first (helpful minus unhelpful votes, then views)."""
    qs = articles_visible_to(actor).filter(is_faq=True)
    if language:
        qs = qs.filter(language=language)
    return list(qs.select_related("category").annotate(
        score=F("helpful_count") - F("unhelpful_count"),
    ).order_by("-score", "-view_count", "pk")[:LIST_LIMIT])


def translations_of(*, actor: Actor, article: Article) -> list[Article]:
    return list(_light(articles_visible_to(actor).filter(group=article.group)
                       .exclude(pk=article.pk)))


def editor_article_list(*, status: str | None = None, flagged: bool = False,
                        language: str | None = None) -> list[Article]:
    qs = Article.objects.select_related("category", "author")
    if status:
        qs = qs.filter(status=status)
    if flagged:
        qs = qs.filter(needs_review=True)
    if language:
        qs = qs.filter(language=language)
    return list(_light(qs).order_by("-updated_at", "-pk")[:LIST_LIMIT])


@dataclass
class KbReport:
    most_viewed: list[Article]
    most_helpful: list[Article]
    least_helpful: list[Article]
    flagged: list[Article]
    misses: list[SearchMiss]
    recent_deflections: list[Deflection]


def kb_report() -> KbReport:
    base = _light(Article.objects.all())
    return KbReport(
        most_viewed=list(base.filter(view_count__gt=0).order_by("-view_count", "pk")
                         [:REPORT_LIMIT]),
        most_helpful=list(base.filter(helpful_count__gt=0).order_by("-helpful_count", "pk")
                          [:REPORT_LIMIT]),
        least_helpful=list(base.filter(unhelpful_count__gt=0).order_by("-unhelpful_count", "pk")
                           [:REPORT_LIMIT]),
        flagged=list(base.filter(needs_review=True).order_by("-unhelpful_count", "pk")
                     [:REPORT_LIMIT]),
        misses=list(SearchMiss.objects.order_by("-count", "-last_seen")[:REPORT_LIMIT]),
        recent_deflections=list(Deflection.objects.select_related("article")
                                .order_by("-created_at")[:REPORT_LIMIT]),
    )


@dataclass
class DiffLine:
    kind: str  # "add", "remove", "same", "skip"
    text: str


def revision_diff(*, old: Revision | None, new: Revision) -> list[DiffLine]:
    """Line diff of title and body between two revisions (difflib, unified with context)."""
    before = [] if old is None else [old.title, "", *old.body_markdown.splitlines()]
    after = [new.title, "", *new.body_markdown.splitlines()]
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(before, after, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("skip", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines
