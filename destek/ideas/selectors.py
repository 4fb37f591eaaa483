"""What the board's pages read, each a fixed number of queries, and the typed rows its
templates show (no attributes stuck onto model instances)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import ngettext, npgettext

from destek.core.pagination import Page, keyset_page
from destek.ideas.access import idea_scope, is_customer, is_staff, visible_categories
from destek.ideas.models import Idea, IdeaCategory, IdeaComment, IdeaStatus, IdeaTicket, IdeaVote

PAGE_SIZE = 20
SORTS = ("top", "new")
# The columns a row of the board shows: narrow rows, read by the (hidden, vote_count, id) index.
LIST_FIELDS = ("id", "title", "status", "vote_count", "comment_count", "ticket_count",
               "category_id", "created_at", "locked")


@dataclass(frozen=True)
class IdeaRow:
    id: int
    url: str
    vote_url: str
    title: str
    status: str
    status_label: str
    vote_count: int
    votes_label: str  # "vote" / "votes" under the number
    comments_label: str  # "3 comments"
    tickets_label: str  # "2 tickets ask for this", empty without tickets
    category: str
    voted: bool
    locked: bool


def _row(idea: Idea, *, category: str, voted: bool) -> IdeaRow:
    """A board row, its texts built once here (the template only prints them: ~20 rows a
    page, each with three plurals and a URL)."""
    tickets = idea.ticket_count
    return IdeaRow(
        id=idea.pk, url=reverse("ideas:detail", args=[idea.pk]),
        vote_url=reverse("ideas:vote", args=[idea.pk]), title=idea.title,
        status=idea.status, status_label=str(IdeaStatus(idea.status).label),
        vote_count=idea.vote_count,
        votes_label=npgettext("idea", "vote", "votes", idea.vote_count),
        comments_label=ngettext("%(counter)s comment", "%(counter)s comments",
                                idea.comment_count) % {"counter": idea.comment_count},
        tickets_label=ngettext("%(counter)s ticket asks for this",
                               "%(counter)s tickets ask for this", tickets)
        % {"counter": tickets} if tickets else "",
        category=category, voted=voted, locked=idea.locked)


@dataclass(frozen=True)
class Board:
    rows: list[IdeaRow]
    next_cursor: str | None
    categories: list[IdeaCategory]
    sort: str
    status: str
    category_id: int | None
    can_post: bool
    can_vote: bool


def board(*, actor: Any, sort: str = "top", status: str = "", category_id: int | None = None,
          cursor: str | None = None, limit: int = PAGE_SIZE) -> Board:
    """One page of the board: 2 queries (categories, ideas), 3 for a signed-in customer (the
    page's votes of theirs), whatever the number of ideas."""
    categories = visible_categories(actor)
    scope = idea_scope(actor, categories) & Q(hidden=False)
    if status in IdeaStatus.values:
        scope &= Q(status=status)
    else:
        status = ""
    if category_id is not None and any(c.pk == category_id for c in categories):
        scope &= Q(category_id=category_id)
    else:
        category_id = None
    sort = sort if sort in SORTS else "top"
    ordering = [("vote_count", True), ("id", True)] if sort == "top" else [("id", True)]
    page: Page[Idea] = keyset_page(Idea.objects.filter(scope).only(*LIST_FIELDS),
                                   ordering=ordering, cursor=cursor, limit=limit)
    voted: set[int] = set()
    customer = is_customer(actor)
    if customer and page.items:
        voted = set(IdeaVote.objects.filter(user=actor, idea_id__in=[i.pk for i in page.items])
                    .values_list("idea_id", flat=True))
    names = {c.pk: c.label for c in categories}
    rows = [_row(i, category=names.get(i.category_id, ""), voted=i.pk in voted)
            for i in page.items]
    return Board(rows=rows, next_cursor=page.next_cursor, categories=categories, sort=sort,
                 status=status, category_id=category_id, can_post=customer,
                 can_vote=customer)


@dataclass(frozen=True)
class CommentRow:
    id: int
    author: str
    body: str
    created_at: Any
    is_staff: bool
    hidden: bool
    merged_from_title: str


@dataclass(frozen=True)
class TicketRow:
    id: int
    reference: str
    subject: str


@dataclass(frozen=True)
class IdeaPage:
    idea: Idea
    status_label: str
    comments: list[CommentRow]
    voted: bool
    can_vote: bool
    can_comment: bool
    staff: bool
    tickets: list[TicketRow]
    merged_sources: list[Idea]


MAX_COMMENTS = 200


def idea_page(*, actor: Any, idea: Idea) -> IdeaPage:
    """The idea's page: its comments (oldest first, at most MAX_COMMENTS), the actor's vote,
    and for staff the linked tickets and the hidden comments."""
    staff = is_staff(actor)
    comments_qs = IdeaComment.objects.filter(idea=idea).select_related("author", "merged_from")
    if not staff:
        comments_qs = comments_qs.filter(hidden=False)
    comments = [CommentRow(
        id=c.pk, author=c.author.display_name if c.author else "", body=c.body,
        created_at=c.created_at, is_staff=bool(c.author and c.author.is_agent), hidden=c.hidden,
        merged_from_title=c.merged_from.title if c.merged_from else "",
    ) for c in comments_qs.order_by("id")[:MAX_COMMENTS]]
    customer = is_customer(actor)
    voted = customer and IdeaVote.objects.filter(idea=idea, user=actor).exists()
    tickets: list[TicketRow] = []
    merged: list[Idea] = []
    if staff:
        tickets = [TicketRow(id=link.ticket.pk, reference=link.ticket.reference,
                             subject=link.ticket.subject)
                   for link in IdeaTicket.objects.filter(idea=idea).select_related("ticket")
                   .order_by("-id")[:100]]
        merged = list(Idea.objects.filter(merged_into=idea).only("id", "title")[:50])
    open_ = not idea.locked and not idea.hidden
    return IdeaPage(idea=idea, status_label=str(IdeaStatus(idea.status).label),
                    comments=comments, voted=voted, can_vote=customer and open_,
                    can_comment=(customer and open_) or staff, staff=staff, tickets=tickets,
                    merged_sources=merged)
