"""What readers tell us: votes, comments, tickets avoided; articles that need a second look."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.core.text import is_storable_text
from destek.kb.models import Article, Deflection, Vote

# An article is flagged for review once this many readers said it did not help, and they are
# at least half of those who voted.
FLAG_MIN_UNHELPFUL = 5
FLAG_SHARE = 0.5
DEFLECTION_DEDUP = datetime.timedelta(hours=1)
MAX_COMMENT = 2000


def _counter(helpful: bool) -> str:
    return "helpful_count" if helpful else "unhelpful_count"


@transaction.atomic
def article_vote(*, article: Article, user: User | None, session_key: str, helpful: bool,
                 comment: str = "") -> Vote:
    """One vote per signed-in user, or per browser session; voting again changes the vote."""
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not session_key:
        raise ApplicationError(_("Your vote could not be recorded; enable cookies."))
    lookup = {"user": user} if signed_in else {"user": None, "session_key": session_key}
    vote = Vote.objects.select_for_update().filter(article=article, **lookup).first()
    comment = comment.strip()[:MAX_COMMENT]
    if vote is None:
        try:
            with transaction.atomic():
                vote = Vote.objects.create(article=article, helpful=helpful, comment=comment,
                                           session_key="" if signed_in else session_key,
                                           user=user if signed_in else None)
        except IntegrityError:  # a double click raced us: the other request counted it
            return Vote.objects.get(article=article, **lookup)
        Article.objects.filter(pk=article.pk).update(**{_counter(helpful): F(_counter(helpful))
                                                       + 1})
    else:
        changes: dict[str, object] = {}
        if vote.helpful != helpful:
            changes = {_counter(helpful): F(_counter(helpful)) + 1,
                       _counter(vote.helpful): F(_counter(vote.helpful)) - 1}
            vote.helpful = helpful
        if comment:
            vote.comment = comment
        vote.save(update_fields=["helpful", "comment"])
        if changes:
            Article.objects.filter(pk=article.pk).update(**changes)
    _flag_if_unhelpful(article)
    return vote


def _flag_if_unhelpful(article: Article) -> None:
    counts = Article.objects.filter(pk=article.pk).values(
        "helpful_count", "unhelpful_count", "needs_review").get()
    article.helpful_count = counts["helpful_count"]
    article.unhelpful_count = counts["unhelpful_count"]
    total = article.helpful_count + article.unhelpful_count
    flagged = (article.unhelpful_count >= FLAG_MIN_UNHELPFUL
               and article.unhelpful_count >= FLAG_SHARE * total)
    if flagged and not counts["needs_review"]:
        Article.objects.filter(pk=article.pk).update(needs_review=True)
        article.needs_review = True


@transaction.atomic
def deflection_record(*, article: Article, user: User | None, subject: str) -> Deflection:
    """"This solved my problem" on the new-ticket form: no ticket, one avoided ticket counted
    (once per person, article and subject within an hour, however often they click)."""
    subject = " ".join((subject or "").split())[:200]
    if not is_storable_text(subject):  # a NUL no database column holds: count it, unnamed
        subject = ""
    who = user if user is not None and user.is_authenticated else None
    if who is not None:
        recent = Deflection.objects.filter(
            article=article, user=who, subject=subject,
            created_at__gte=timezone.now() - DEFLECTION_DEDUP).first()
        if recent is not None:
            return recent
    deflection = Deflection.objects.create(article=article, user=who, subject=subject)
    Article.objects.filter(pk=article.pk).update(deflection_count=F("deflection_count") + 1)
    return deflection
