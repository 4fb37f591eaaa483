"""Telling everyone who posted, voted for or commented on an idea that its status changed:
one email each, in their language, through destek.notifications (idempotent per change and
person, so a retried task sends nothing twice)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from destek.accounts.models import User
from destek.branding.brand import site_name
from destek.ideas.models import Idea, IdeaComment, IdeaStatus, IdeaVote, StatusChange
from destek.notifications.compose import AddressNotice
from destek.notifications.models import OutboundEmail
from destek.notifications.notify import notify_address, wants_ticket_email
from destek.notifications.rendering import email_language

EMAIL_KEY = "idea_status_changed"
# Up to this many people are told in the change's own transaction; beyond, a Celery task
# writes the outbox rows in batches of BATCH (destek.ideas.tasks).
INLINE_FOLLOWERS = 50
BATCH = 500


def follower_ids(idea: Idea) -> Iterator[int]:
    """Who posted, voted or commented (visible comments), each once, by id."""
    seen: set[int] = set()
    if idea.author_id:
        seen.add(idea.author_id)
        yield idea.author_id
    for source in (IdeaVote.objects.filter(idea=idea).values_list("user_id", flat=True),
                   IdeaComment.objects.filter(idea=idea, hidden=False)
                   .values_list("author_id", flat=True)):
        for user_id in source.order_by().iterator(chunk_size=2000):
            if user_id is not None and user_id not in seen:
                seen.add(user_id)
                yield user_id


def follower_count(idea: Idea) -> int:
    """An upper bound of the followers (votes include the author's): cheap, from counters."""
    return idea.vote_count + idea.comment_count + 1


def notify_change(*, change_id: int) -> int:
    """Queue one email per follower for a status change; idempotent per (change, person),
    so running it twice (a retried task) sends nothing more. Returns how many were queued."""
    change = StatusChange.objects.select_related("idea").filter(pk=change_id).first()
    if change is None:
        return 0
    idea = change.idea
    ids = list(follower_ids(idea))
    queued = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        # Who was told already (a retried task): one query per batch, not a failed INSERT each.
        done = set(OutboundEmail.objects.filter(
            idempotency_key__in=[_key(change, person_id) for person_id in chunk])
            .values_list("idempotency_key", flat=True))
        people = User.objects.filter(pk__in=chunk, is_active=True).order_by("pk")
        with transaction.atomic():
            for person in people:
                if _key(change, person.pk) not in done and _notify_one(change, idea, person):
                    queued += 1
    return queued


def _key(change: StatusChange, person_id: int) -> str:
    return f"idea-{change.idea_id}-status-{change.pk}-{person_id}"


def _notify_one(change: StatusChange, idea: Idea, person: User) -> bool:
    if not person.email or not wants_ticket_email(person):
        return False
    language = email_language(person.language)
    base = settings.BASE_URL.rstrip("/")
    response = idea.official_response_tr if language == "tr" and idea.official_response_tr \
        else idea.official_response
    with translation.override(language):  # the labels in the recipient's language
        status, previous = str(IdeaStatus(change.status).label), \
            str(IdeaStatus(change.previous).label)
    notice = AddressNotice(
        key=EMAIL_KEY, to=[person.email], language=language,
        context={
            "recipient_name": person.display_name,
            "idea_title": idea.title,
            "idea_url": base + reverse("ideas:detail", args=[idea.pk]),
            "status": status,
            "previous_status": previous,
            "official_response": response,
            "site_name": site_name(),
        },
        headers={"Auto-Submitted": "auto-generated"},
    )
    return notify_address(notice=notice, kind=EMAIL_KEY,
                          idempotency_key=_key(change, person.pk)) is not None
