"""The rating service: one rating per ticket or chat, the scales, the change window, the
handling agent, and the recovery loop's entry point called with every save."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from destek.core.bus import subscribe
from destek.core.errors import ApplicationError
from destek.feedback import recovery
from destek.feedback.domain_events import RatingRecorded
from destek.feedback.models import Rating, RatingScale, RatingSource
from destek.feedback.ratings import rating_record
from destek.feedback.scales import score_label
from destek.feedback.selectors import (
    agent_ratings_page,
    customer_rating_summary,
    feedback_settings,
)
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int, bool]] = []
    monkeypatch.setattr(recovery, "rating_recorded",
                        lambda rating, *, created: seen.append((rating.pk, rating.score,
                                                                created)))
    return seen


def rate(ticket, score, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("scale", RatingScale.THREE)
    kwargs.setdefault("source", RatingSource.EMAIL)
    return rating_record(ticket=ticket, customer=ticket.customer, score=score, **kwargs)


def test_first_rating_records_the_handling_agent_and_calls_recovery(resolved, agent, calls):
    rating = rate(resolved, 1, comment="  slow  ", is_complaint=True)
    assert (rating.score, rating.comment, rating.is_complaint) == (1, "slow", True)
    assert rating.agent_id == agent.pk and rating.customer_id == resolved.customer_id
    assert calls == [(rating.pk, 1, True)]


def test_the_same_answer_again_changes_nothing(resolved, calls):
    first = rate(resolved, 5, comment="thanks")
    again = rate(resolved, "5", comment="thanks")
    assert again.pk == first.pk and Rating.objects.count() == 1
    assert calls == [(first.pk, 5, True)]  # no second save, no second recovery call


def test_a_change_within_the_window_updates_the_one_rating(resolved, calls):
    events: list[RatingRecorded] = []
    subscribe(RatingRecorded, events.append)
    first = rate(resolved, 5)
    changed = rate(resolved, 1, comment="it broke again")
    assert changed.pk == first.pk and Rating.objects.get().score == 1
    assert calls == [(first.pk, 5, True), (first.pk, 1, False)]
    assert [(e.created, e.previous_score) for e in events[-2:]] == [(True, None), (False, 5)]


def test_a_change_after_the_window_is_refused_with_a_clear_message(resolved, calls):
    rating = rate(resolved, 5)
    window = feedback_settings().change_window_days
    Rating.objects.filter(pk=rating.pk).update(
        created_at=timezone.now() - timedelta(days=window, minutes=1))
    with pytest.raises(ApplicationError, match=f"changed for {window} days"):
        rate(resolved, 1)
    assert Rating.objects.get().score == 5 and len(calls) == 1
    # The same answer again is still accepted (a late double click): nothing changes.
    assert rate(resolved, 5).score == 5


@pytest.mark.parametrize(("scale", "accepted", "refused"), [
    (RatingScale.THREE, [5, 3, 1], [2, 4, 0, 6, "x", None]),
    (RatingScale.FIVE, [1, 2, 3, 4, 5], [0, 6, "", None]),
])
def test_scales(resolved, calls, scale, accepted, refused):
    for score in accepted:
        assert rate(resolved, score, scale=scale).score == score
    for score in refused:
        with pytest.raises(ApplicationError):
            rate(resolved, score, scale=scale)


def test_words_for_scores():
    assert [score_label(s, RatingScale.THREE) for s in (5, 3, 1)] == ["Good", "Okay", "Bad"]
    assert score_label(4, RatingScale.FIVE) == "4 of 5 stars"


def test_exactly_one_thing_is_rated(resolved):
    with pytest.raises(ValueError):
        rating_record(customer=resolved.customer, score=5, scale=RatingScale.THREE,
                      source=RatingSource.EMAIL)


def test_summaries_for_the_customer_and_the_agent(resolved, agent, customer, department, calls):
    second = open_ticket(customer=customer, department=department, subject="Again")
    second.assignee = agent
    rate(resolved, 5)
    rating_record(ticket=second, customer=customer, score=2, scale=RatingScale.FIVE,
                  source=RatingSource.PORTAL)
    summary = customer_rating_summary(customer.pk)
    assert (summary.count, summary.average) == (2, 3.5)
    assert [r.score for r in summary.recent] == [2, 5]
    page = agent_ratings_page(agent_id=agent.pk, cursor=None, size=1)
    assert [r.score for r in page.ratings] == [2] and page.next_cursor
    rest = agent_ratings_page(agent_id=agent.pk, cursor=page.next_cursor, size=1)
    assert [r.score for r in rest.ratings] == [5] and rest.next_cursor is None
    assert (page.count, page.average) == (2, 3.5)
