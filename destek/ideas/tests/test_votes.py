"""Votes and comments: one vote per person, counters that stay right, locks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.core.errors import ApplicationError
from destek.ideas import factories, services
from destek.ideas.models import Idea, IdeaComment, IdeaVote

pytestmark = pytest.mark.django_db


def _counts(idea: Idea) -> tuple[int, int]:
    idea.refresh_from_db()
    return idea.vote_count, idea.comment_count


def test_one_vote_per_person_and_idempotent(client, customer, other_customer, public):
    idea = factories.idea(author=customer, cat=public)
    client.force_login(other_customer)
    for _ in range(2):
        assert client.post(reverse("ideas:vote", args=[idea.pk])).status_code == 302
    assert _counts(idea) == (2, 0)
    assert IdeaVote.objects.filter(idea=idea).count() == 2
    client.post(reverse("ideas:vote", args=[idea.pk]), {"undo": "1"})
    client.post(reverse("ideas:vote", args=[idea.pk]), {"undo": "1"})
    assert _counts(idea) == (1, 0)
    assert IdeaVote.objects.filter(idea=idea).count() == 1


def test_a_vote_needs_a_post(client, customer, other_customer, public):
    idea = factories.idea(author=customer, cat=public)
    client.force_login(other_customer)
    assert client.get(reverse("ideas:vote", args=[idea.pk])).status_code == 405
    assert _counts(idea) == (1, 0)


def test_staff_and_visitors_do_not_vote(client, agent, customer, public):
    idea = factories.idea(author=customer, cat=public)
    assert client.post(reverse("ideas:vote", args=[idea.pk])).status_code == 302  # login
    client.force_login(agent)
    assert client.post(reverse("ideas:vote", args=[idea.pk])).status_code == 404
    assert _counts(idea) == (1, 0)


def test_comments_count(client, customer, other_customer, public):
    idea = factories.idea(author=customer, cat=public)
    client.force_login(other_customer)
    client.post(reverse("ideas:comment", args=[idea.pk]), {"body": "Yes please!"})
    client.post(reverse("ideas:comment", args=[idea.pk]), {"body": "   "})  # refused
    assert _counts(idea) == (1, 1)
    assert "Yes please!" in client.get(reverse("ideas:detail", args=[idea.pk])).content.decode()


def test_a_locked_idea_refuses_votes_and_comments(client, customer, other_customer, agent,
                                                  public):
    idea = factories.idea(author=customer, cat=public)
    client.force_login(agent)
    client.post(reverse("ideas:moderate", args=[idea.pk]), {"action": "lock"})
    idea.refresh_from_db()
    assert idea.locked
    with pytest.raises(ApplicationError):
        services.idea_vote(actor=other_customer, idea=idea)
    with pytest.raises(ApplicationError):
        services.comment_create(actor=other_customer, idea=idea, body="More!")
    client.force_login(other_customer)
    client.post(reverse("ideas:vote", args=[idea.pk]))
    client.post(reverse("ideas:comment", args=[idea.pk]), {"body": "More!"})
    assert _counts(idea) == (1, 0)


def test_a_customer_cannot_vote_on_what_they_cannot_see(client, customer, private):
    idea = factories.idea(author=customer, cat=private)
    client.logout()
    assert client.post(reverse("ideas:vote", args=[idea.pk])).status_code == 302


def test_hiding_a_comment_keeps_the_count_right(client, customer, other_customer, agent,
                                                public):
    idea = factories.idea(author=customer, cat=public)
    comment = services.comment_create(actor=other_customer, idea=idea, body="Rude words")
    client.force_login(agent)
    for _ in range(2):
        client.post(reverse("ideas:moderate", args=[idea.pk]),
                    {"action": "hide_comment", "comment": comment.pk})
    assert _counts(idea) == (1, 0)
    assert IdeaComment.objects.get().hidden
    client.force_login(other_customer)
    assert "Rude words" not in client.get(reverse("ideas:detail", args=[idea.pk])
                                          ).content.decode()
