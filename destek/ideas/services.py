"""What customers do on the board: post an idea, vote, take a vote back, comment.

Counters (`vote_count`, `comment_count`) move with F() in the same transaction as the row they
count; a unique constraint makes a second vote by the same person a no-op, even when two
requests race.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import ApplicationError, NotFound, PermissionDenied
from destek.hosting.selectors import services_to_choose
from destek.ideas import search
from destek.ideas.access import idea_scope, is_customer, is_staff, visible_categories
from destek.ideas.models import Idea, IdeaCategory, IdeaComment, IdeaVote

TITLE_MAX = 160
BODY_MAX = 5000


def _clean(text: str, *, limit: int, field: str, label: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Please fill in the %(field)s.") % {"field": label},
                               field=field)
    if len(text) > limit:
        raise ApplicationError(_("Please shorten the %(field)s.") % {"field": label},
                               field=field)
    return text


def idea_create(*, author: User, title: str, description: str, category_id: int,
                service_id: int | None = None) -> Idea:
    """A customer's new idea, with the author's own vote."""
    if not is_customer(author):
        raise PermissionDenied(_("Only customers can post suggestions."))
    title = _clean(title, limit=TITLE_MAX, field="title", label=_("title"))
    description = _clean(description, limit=BODY_MAX, field="description",
                         label=_("description"))
    category = next((c for c in visible_categories(author) if c.pk == category_id), None)
    if category is None:
        raise ApplicationError(_("Choose a category."), field="category")
    service = None
    if service_id is not None:
        service = next((s for s in services_to_choose(customer=author) if s.pk == service_id),
                       None)
        if service is None:  # someone else's, cancelled or unknown: refused alike
            raise ApplicationError(_("Choose one of your services."), field="service")
    now = timezone.now()
    with transaction.atomic():
        idea = Idea.objects.create(title=title, description=description, category=category,
                                   service=service, author=author, vote_count=1,
                                   created_at=now, updated_at=now)
        IdeaVote.objects.create(idea=idea, user=author, created_at=now)
        search.index_idea(idea)
    return idea


def _check_open(idea: Idea, actor: User) -> None:
    if idea.merged_into_id is not None or idea.hidden:
        raise NotFound("No such idea.")
    if idea.locked and not is_staff(actor):
        raise ApplicationError(_("This suggestion is locked: it takes no more votes or "
                                 "comments."))


def idea_vote(*, actor: User, idea: Idea) -> bool:
    """The actor's vote; False when they had voted already (nothing changes)."""
    if not is_customer(actor):
        raise PermissionDenied(_("Only customers can vote."))
    _check_open(idea, actor)
    with transaction.atomic():
        try:
            with transaction.atomic():
                IdeaVote.objects.create(idea=idea, user=actor)
        except IntegrityError:
            return False
        Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") + 1)
    idea.vote_count += 1
    return True


def idea_unvote(*, actor: User, idea: Idea) -> bool:
    """Take the actor's vote back; False when there was none."""
    _check_open(idea, actor)
    with transaction.atomic():
        deleted, _rows = IdeaVote.objects.filter(idea=idea, user=actor).delete()
        if not deleted:
            return False
        Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") - 1)
    idea.vote_count -= 1
    return True


def comment_create(*, actor: User, idea: Idea, body: str) -> IdeaComment:
    if not (is_customer(actor) or is_staff(actor)):
        raise PermissionDenied(_("Sign in to comment."))
    _check_open(idea, actor)
    body = _clean(body, limit=BODY_MAX, field="body", label=_("comment"))
    with transaction.atomic():
        comment = IdeaComment.objects.create(idea=idea, author=actor, body=body)
        Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1,
                                               updated_at=timezone.now())
    idea.comment_count += 1
    return comment


def similar_ideas(*, actor: Any, text: str, limit: int = 5) -> list[Idea]:
    """Visible ideas like `text` (the duplicates shown while a customer types), best first;
    ideas merged elsewhere are never suggested."""
    scope = idea_scope(actor) & ~_hidden_or_merged()
    ids = search.match(scope=scope, text=text, limit=limit)
    found = Idea.objects.only("id", "title", "status", "vote_count").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _hidden_or_merged() -> Q:
    return Q(hidden=True) | Q(merged_into__isnull=False)


def categories_for_posting(actor: User) -> list[IdeaCategory]:
    return visible_categories(actor)
