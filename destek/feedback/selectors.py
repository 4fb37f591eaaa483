"""Reads every screen asks of feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, F, Q, Window
from django.utils import timezone

from destek.feedback.models import FeedbackSettings, Rating, Recovery, RecoveryState
from destek.feedback.scales import allowed_scores, score_label


def feedback_settings() -> FeedbackSettings:
    """The one settings row (created with the defaults on first read)."""
    row = FeedbackSettings.objects.order_by("pk").first()
    return row or FeedbackSettings.objects.create()


def is_at_risk(customer_id: int | None) -> bool:
    """Whether the customer has an open recovery (one indexed query)."""
    if customer_id is None:
        return False
    return Recovery.objects.filter(customer_id=customer_id, state=RecoveryState.OPEN).exists()


def rating_changeable(rating: Rating, *, now: datetime | None = None,
                      days: int | None = None) -> bool:
    """Whether the customer may still change `rating` (FeedbackSettings.change_window_days
    from its first answer; `days` when the caller read the settings already)."""
    if days is None:
        days = feedback_settings().change_window_days
    return (now or timezone.now()) <= rating.created_at + timedelta(days=days)


@dataclass(frozen=True)
class RatingChoice:
    score: int
    label: str


@dataclass(frozen=True)
class RatingPanel:
    """What a rating form shows: the answers the scale offers, the rating given (if any)
    and whether it may still be changed."""

    rating: Rating | None
    scale: str
    choices: tuple[RatingChoice, ...]
    changeable: bool
    change_window_days: int


def rating_choices_for(scale: str) -> tuple[RatingChoice, ...]:
    return tuple(RatingChoice(s, score_label(s, scale)) for s in allowed_scores(scale))


def rating_panel(*, rating: Rating | None) -> RatingPanel:
    """The form for a ticket or chat whose rating (or None) the caller has loaded. Two
    queries at most: the settings row, nothing else."""
    config = feedback_settings()
    return RatingPanel(rating=rating, scale=config.scale,
                       choices=rating_choices_for(config.scale),
                       changeable=rating is None or rating_changeable(
                           rating, days=config.change_window_days),
                       change_window_days=config.change_window_days)


def ticket_rating(ticket_id: int) -> Rating | None:
    return Rating.objects.filter(ticket_id=ticket_id).first()


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    recent: Sequence[Rating]
    # An open recovery: "At risk" on every sidebar. Only a rating opens one, so a customer
    # without ratings is never at risk.
    at_risk: bool = False


def customer_rating_summary(customer_id: int | None, *, recent: int = 3) -> RatingSummary:
    """A customer's ratings for the desk's sidebar: how many, the average, the last few and
    whether they are at risk, in one query (window aggregates over the customer's rows,
    rating_customer_time; an EXISTS on recovery_customer_state)."""
    if customer_id is None:
        return RatingSummary(0, None, [])
    over = Window(Avg("score"), partition_by=[F("customer_id")])
    open_recovery = Recovery.objects.filter(customer_id=customer_id, state=RecoveryState.OPEN)
    rows = list(Rating.objects.filter(customer_id=customer_id)
                .annotate(all_avg=over,
                          all_count=Window(Count("id"), partition_by=[F("customer_id")]),
                          at_risk=Exists(open_recovery))
                .select_related("ticket").order_by("-created_at", "-id")[:recent])
    if not rows:
        return RatingSummary(0, None, [])
    first = rows[0]
    return RatingSummary(first.all_count, float(first.all_avg), list(rows),
                         at_risk=bool(first.at_risk))


@dataclass(frozen=True)
class AgentRatingsPage:
    ratings: list[Rating]
    next_cursor: str | None
    count: int
    average: float | None


def agent_ratings_page(*, agent_id: int, cursor: str | None, size: int = 25,
                       ) -> AgentRatingsPage:
    """The ratings an agent received, newest first, keyset-paginated on (created_at, id);
    with the agent's count and average (one aggregate over the rating_agent_time index)."""
    query = (Rating.objects.filter(agent_id=agent_id)
             .select_related("ticket", "customer").order_by("-created_at", "-id"))
    if cursor:
        try:
            stamp, _sep, last_id = cursor.partition("_")
            at = datetime.fromisoformat(stamp.replace(" ", "+"))
            query = query.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=int(last_id)))
        except ValueError:
            pass  # a mangled cursor: the first page
    rows = list(query[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = f"{rows[-1].created_at.isoformat()}_{rows[-1].pk}" if more else None
    found = Rating.objects.filter(agent_id=agent_id).aggregate(n=Count("id"), avg=Avg("score"))
    return AgentRatingsPage(rows, next_cursor, found["n"], found["avg"])
