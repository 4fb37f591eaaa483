"""Recording a satisfaction rating: one per ticket or chat, changeable for a while.

Every door (the email link, the portal, the chat widget) comes through `rating_record`, which
in one transaction saves the rating, publishes RatingRecorded and hands the rating to the
recovery loop (destek.feedback.recovery.rating_recorded). Submitting the same answer again
changes nothing (a double click, a re-POST): no save, no event, no second recovery call.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from destek.accounts.models import User
from destek.core.bus import publish
from destek.core.errors import ApplicationError
from destek.feedback import recovery
from destek.feedback.domain_events import RatingRecorded
from destek.feedback.models import Rating, RatingScale, RatingSource
from destek.feedback.scales import allowed_scores
from destek.feedback.selectors import feedback_settings, rating_changeable
from destek.tickets.models import Ticket

COMMENT_MAX = 4000


def check_score(*, score: Any, scale: str) -> int:
    """The score as an int when `scale` offers it, else a clear ApplicationError."""
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if value not in allowed_scores(scale):
        raise ApplicationError(_("Please choose one of the answers."), field="score")
    return value


def _locked_existing(*, ticket: Ticket | None, conversation: Model | None) -> Rating | None:
    query = Rating.objects.select_for_update()
    if ticket is not None:
        return query.filter(ticket_id=ticket.pk).first()
    assert conversation is not None
    return query.filter(conversation_id=conversation.pk).first()


def rating_record(*, ticket: Ticket | None = None, conversation: Model | None = None,
                  customer: User | None, score: Any, scale: str, source: str,
                  comment: str = "", is_complaint: bool = False) -> Rating:
    """Save the customer's answer about `ticket` or `conversation` (exactly one of them).

    `score` is on the stored scale (1–5; the three-point question gives 5 / 3 / 1) and must
    be one `scale` offers. A rating may be changed within FeedbackSettings.change_window_days
    of its first answer; after that a different answer is refused with an ApplicationError
    (the same answer again is accepted and changes nothing)."""
    if (ticket is None) == (conversation is None):
        raise ValueError("rate exactly one ticket or one conversation")
    if scale not in RatingScale.values or source not in RatingSource.values:
        raise ValueError("unknown scale or source")
    value = check_score(score=score, scale=scale)
    comment = (comment or "").strip()[:COMMENT_MAX]
    agent_id = ticket.assignee_id if ticket is not None \
        else getattr(conversation, "agent_id", None)
    now = timezone.now()
    with transaction.atomic():
        rating = _locked_existing(ticket=ticket, conversation=conversation)
        if rating is None:
            try:
                with transaction.atomic():
                    rating = Rating.objects.create(
                        ticket=ticket, customer=customer,
                        conversation_id=conversation.pk if conversation is not None else None,
                        agent_id=agent_id, scale=scale, score=value, comment=comment,
                        is_complaint=is_complaint, source=source, created_at=now,
                        updated_at=now)
            except IntegrityError:  # a concurrent first answer won: this one is a change
                rating = _locked_existing(ticket=ticket, conversation=conversation)
                if rating is None:
                    raise
            else:
                publish(RatingRecorded(rating=rating, created=True))
                recovery.rating_recorded(rating, created=True)
                return rating
        return _change(rating, score=value, scale=scale, source=source, comment=comment,
                       is_complaint=is_complaint, now=now)


def _change(rating: Rating, *, score: int, scale: str, source: str, comment: str,
            is_complaint: bool, now: Any) -> Rating:
    if (rating.score, rating.comment, rating.is_complaint) == (score, comment, is_complaint):
        return rating  # the same answer again: nothing to do
    if not rating_changeable(rating, now=now):
        days = feedback_settings().change_window_days
        raise ApplicationError(ngettext(
            "This rating can no longer be changed: a rating can be changed for %(days)d day "
            "after it is given.",
            "This rating can no longer be changed: a rating can be changed for %(days)d days "
            "after it is given.", days) % {"days": days})
    previous = rating.score
    rating.score, rating.scale, rating.source = score, scale, source
    rating.comment, rating.is_complaint, rating.updated_at = comment, is_complaint, now
    rating.save(update_fields=["score", "scale", "source", "comment", "is_complaint",
                               "updated_at"])
    publish(RatingRecorded(rating=rating, created=False, previous_score=previous))
    recovery.rating_recorded(rating, created=False)
    return rating

