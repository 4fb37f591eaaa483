"""Who sees which ideas: the one place the board's visibility rule is written.

Categories are public (anyone, signed in or not) or for signed-in customers (and staff).
Hidden ideas (moderated, spam, merged) are seen by staff only. A refusal is NotFound (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from destek.core.errors import NotFound
from destek.ideas.models import Idea, IdeaCategory, Visibility


def is_staff(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_agent", False)
                and actor.is_active)


def is_customer(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)
                and getattr(actor, "is_customer", False) and actor.is_active)


def visible_categories(actor: Any) -> list[IdeaCategory]:
    """The categories `actor` may read, in board order (one query)."""
    qs = IdeaCategory.objects.all()
    if not (is_staff(actor) or is_customer(actor)):
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return list(qs.order_by("position", "pk"))


def idea_scope(actor: Any, categories: list[IdeaCategory] | None = None) -> Q:
    """A filter over Idea: what `actor` may see (`categories`: visible_categories, when the
    caller has them already)."""
    if categories is None:
        categories = visible_categories(actor)
    scope = Q(category_id__in=[c.pk for c in categories])
    if not is_staff(actor):
        scope &= Q(hidden=False)
    return scope


def access_idea_by_id(*, actor: Any, idea_id: int, for_update: bool = False) -> Idea:
    """The idea, when `actor` may see it; else NotFound. A merged idea is found (its page
    redirects to the one it went into)."""
    qs = Idea.objects.select_related("category", "author", "service", "responded_by",
                                     "merged_into")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    idea = qs.filter(pk=idea_id).first()
    if idea is None:
        raise NotFound("No such idea.")
    allowed = is_staff(actor) or (
        idea.category.visibility == Visibility.PUBLIC or is_customer(actor))
    if not allowed:
        raise NotFound("No such idea.")
    if idea.hidden and not is_staff(actor) and idea.merged_into_id is None:
        raise NotFound("No such idea.")
    return idea
