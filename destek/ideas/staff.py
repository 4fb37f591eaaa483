"""What staff do on the board: set a status with an official response (and tell everyone who
posted, voted or commented, once each, in their language), moderate (edit, hide, lock, spam —
each an audit event), merge a duplicate, link tickets."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.audit.log import record
from destek.audit.models import Action
from destek.core.errors import ApplicationError, NotFound, PermissionDenied
from destek.ideas import notices, search
from destek.ideas.access import is_staff
from destek.ideas.models import (
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaTicket,
    IdeaVote,
    StatusChange,
)
from destek.ideas.services import BODY_MAX, TITLE_MAX, _clean
from destek.ideas.tasks import notify_status_change
from destek.tickets.models import Ticket, parse_reference


def _require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise PermissionDenied(_("Only staff can do this."))


def _audit(actor: User, idea: Idea, what: str, request: Any = None, **detail: Any) -> None:
    record(Action.IDEA_MODERATED, actor=actor, request=request, target=f"ideas.idea:{idea.pk}",
           what=what, **detail)


# --- Status and its notifications --------------------------------------------------------------

def idea_set_status(*, actor: User, idea: Idea, status: str, response: str = "",
                    response_tr: str = "") -> StatusChange | None:
    """Set the status and the official response; None when neither changed. A status change
    is told to the idea's followers."""
    _require_staff(actor)
    if status not in IdeaStatus.values:
        raise ApplicationError(_("Choose a status."), field="status")
    response, response_tr = response.strip()[:BODY_MAX], response_tr.strip()[:BODY_MAX]
    now = timezone.now()
    with transaction.atomic():
        locked = Idea.objects.select_for_update().get(pk=idea.pk)
        previous = locked.status
        fields = ["updated_at"]
        if response != locked.official_response or response_tr != locked.official_response_tr:
            locked.official_response, locked.official_response_tr = response, response_tr
            locked.responded_by, locked.responded_at = actor, now
            fields += ["official_response", "official_response_tr", "responded_by",
                       "responded_at"]
        if status == previous and len(fields) == 1:
            return None
        locked.status, locked.updated_at = status, now
        locked.save(update_fields=[*fields, "status"])
        for name in (*fields, "status"):
            setattr(idea, name, getattr(locked, name))
        if status == previous:
            return None
        change = StatusChange.objects.create(idea=locked, previous=previous, status=status,
                                             changed_by=actor, changed_at=now)
        if notices.follower_count(locked) <= notices.INLINE_FOLLOWERS:
            notices.notify_change(change_id=change.pk)
        else:
            transaction.on_commit(lambda: _enqueue(change.pk))
    return change


def _enqueue(change_id: int) -> None:
    notify_status_change.delay(change_id)


# --- Moderation ----------------------------------------------------------------------------------

def idea_edit(*, actor: User, idea: Idea, title: str, description: str,
              request: Any = None) -> Idea:
    _require_staff(actor)
    idea.title = _clean(title, limit=TITLE_MAX, field="title", label=_("title"))
    idea.description = _clean(description, limit=BODY_MAX, field="description",
                               label=_("description"))
    idea.updated_at = timezone.now()
    with transaction.atomic():
        idea.save(update_fields=["title", "description", "updated_at"])
        search.index_idea(idea)
        _audit(actor, idea, "edit", request)
    return idea


def idea_flags(*, actor: User, idea: Idea, hidden: bool | None = None,
               locked: bool | None = None, request: Any = None) -> Idea:
    """Hide or show, lock or unlock."""
    _require_staff(actor)
    changed: dict[str, bool] = {}
    if hidden is not None and hidden != idea.hidden:
        idea.hidden = changed["hidden"] = hidden
    if locked is not None and locked != idea.locked:
        idea.locked = changed["locked"] = locked
    if changed:
        with transaction.atomic():
            idea.save(update_fields=list(changed))
            _audit(actor, idea, "flags", request, **changed)
    return idea


def idea_mark_spam(*, actor: User, idea: Idea, with_authors_others: bool = False,
                   request: Any = None) -> int:
    """Spam: hidden and marked; with `with_authors_others`, every idea of the same author too.
    Returns how many ideas were marked."""
    _require_staff(actor)
    ids = [idea.pk]
    if with_authors_others and idea.author_id:
        ids = list(Idea.objects.filter(author_id=idea.author_id).values_list("pk", flat=True))
    with transaction.atomic():
        marked = Idea.objects.filter(pk__in=ids).update(is_spam=True, hidden=True)
        _audit(actor, idea, "spam", request, ideas=ids)
    idea.is_spam = idea.hidden = True
    return marked


def idea_comment_hide(*, actor: User, comment: IdeaComment, request: Any = None) -> None:
    _require_staff(actor)
    if comment.hidden:
        return
    with transaction.atomic():
        IdeaComment.objects.filter(pk=comment.pk).update(hidden=True)
        Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") - 1)
        record(Action.IDEA_MODERATED, actor=actor, request=request,
               target=f"ideas.idea:{comment.idea_id}", what="hide_comment",
               comment=comment.pk)
    comment.hidden = True


def idea_merge(*, actor: User, source: Idea, target: Idea, request: Any = None) -> Idea:
    """Merge the duplicate `source` into `target`: votes move (someone who voted for both
    counts once), comments move with a note of where they were written, ticket links move,
    and `source` is hidden and redirects to `target`."""
    _require_staff(actor)
    if source.pk == target.pk or target.merged_into_id is not None:
        raise ApplicationError(_("Choose another suggestion to merge into."), field="target")
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        rows = Idea.objects.select_for_update().in_bulk([first, second])
        source, target = rows[source.pk], rows[target.pk]
        if source.merged_into_id is not None:
            raise ApplicationError(_("This suggestion was merged already."))
        both = IdeaVote.objects.filter(idea=target).values("user_id")
        moved_votes = IdeaVote.objects.filter(idea=source).exclude(user_id__in=both) \
            .update(idea=target)
        IdeaVote.objects.filter(idea=source).delete()
        visible_comments = IdeaComment.objects.filter(idea=source, hidden=False).count()
        IdeaComment.objects.filter(idea=source).update(idea=target, merged_from=source)
        linked = IdeaTicket.objects.filter(idea=target).values("ticket_id")
        moved_links = IdeaTicket.objects.filter(idea=source).exclude(ticket_id__in=linked) \
            .update(idea=target)
        IdeaTicket.objects.filter(idea=source).delete()
        Idea.objects.filter(pk=target.pk).update(
            vote_count=F("vote_count") + moved_votes,
            comment_count=F("comment_count") + visible_comments,
            ticket_count=F("ticket_count") + moved_links, updated_at=timezone.now())
        Idea.objects.filter(pk=source.pk).update(
            merged_into=target, hidden=True, vote_count=0, comment_count=0, ticket_count=0)
        search.remove_idea(source.pk)
        _audit(actor, source, "merge", request, into=target.pk, votes=moved_votes)
    target.refresh_from_db()
    return target


# --- Tickets ---------------------------------------------------------------------------------

def idea_link_ticket(*, actor: User, idea: Idea, reference: str,
                     request: Any = None) -> IdeaTicket:
    """Link a ticket (by its reference, T-100042, or number) to the idea; linking twice
    changes nothing."""
    _require_staff(actor)
    ticket_id = parse_reference(reference)
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    if ticket is None:
        raise NotFound(_("No ticket has this number."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                link = IdeaTicket.objects.create(idea=idea, ticket=ticket, linked_by=actor)
        except IntegrityError:
            return IdeaTicket.objects.get(idea=idea, ticket=ticket)
        Idea.objects.filter(pk=idea.pk).update(ticket_count=F("ticket_count") + 1)
        _audit(actor, idea, "link_ticket", request, ticket=ticket.pk)
    idea.ticket_count += 1
    return link


def idea_unlink_ticket(*, actor: User, idea: Idea, ticket_id: int,
                       request: Any = None) -> None:
    _require_staff(actor)
    with transaction.atomic():
        deleted, _rows = IdeaTicket.objects.filter(idea=idea, ticket_id=ticket_id).delete()
        if deleted:
            Idea.objects.filter(pk=idea.pk).update(ticket_count=F("ticket_count") - 1)
            _audit(actor, idea, "unlink_ticket", request, ticket=ticket_id)
