"""Votes, flags, avoided tickets and view counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import CustomerFactory
from destek.conftest import login
from destek.kb.factories import make_article
from destek.kb.models import Article, Deflection, Vote
from destek.kb.services import views_counter
from destek.kb.services.feedback import FLAG_MIN_UNHELPFUL, article_vote, deflection_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> Article:
    return make_article(title="Restart your server", body="Press restart.")


def vote_url(article: Article) -> str:
    return reverse("kb:vote", args=[article.language, article.slug])


def test_one_vote_per_user_and_changing_it(article, customer):
    article_vote(article=article, user=customer, session_key="", helpful=True)
    article_vote(article=article, user=customer, session_key="", helpful=True)
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 0)
    article_vote(article=article, user=customer, session_key="", helpful=False,
                 comment="Did not work on my VPS")
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (0, 1)
    assert Vote.objects.get().comment == "Did not work on my VPS"


def test_visitors_vote_once_per_session_over_http(client: Client, article):
    assert client.post(vote_url(article), {"helpful": "1"}).status_code == 200
    response = client.post(vote_url(article), {"helpful": "1", "comment": "great"})
    assert b"kb-vote-thanks" in response.content
    article.refresh_from_db()
    assert article.helpful_count == 1
    other = Client()
    other.post(vote_url(article), {"helpful": "0"})
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 1)
    assert client.post(vote_url(article), {"helpful": "maybe"}).status_code == 400


def test_many_unhelpful_votes_flag_the_article(article, client: Client, agent):
    for _ in range(FLAG_MIN_UNHELPFUL - 1):
        article_vote(article=article, user=CustomerFactory(), session_key="", helpful=False)
    article.refresh_from_db()
    assert not article.needs_review
    article_vote(article=article, user=CustomerFactory(), session_key="", helpful=False)
    article.refresh_from_db()
    assert article.needs_review
    login(client, agent)
    body = client.get(reverse("kb:desk_articles") + "?flagged=1").content.decode()
    assert article.title in body


def test_mostly_helpful_articles_are_not_flagged(article):
    for _ in range(FLAG_MIN_UNHELPFUL * 2 + 1):
        article_vote(article=article, user=CustomerFactory(), session_key="", helpful=True)
    for _ in range(FLAG_MIN_UNHELPFUL):
        article_vote(article=article, user=CustomerFactory(), session_key="", helpful=False)
    article.refresh_from_db()
    assert not article.needs_review


def test_this_solved_my_problem_counts_a_deflection_and_opens_no_ticket(
        client: Client, article, customer):
    from destek.tickets.models import Ticket

    login(client, customer)
    page = client.get(reverse("kb:article", args=["en", article.slug]),
                      {"from": "new-ticket", "subject": "Server down"})
    assert b'data-testid="kb-solved"' in page.content
    response = client.post(reverse("kb:deflect"), {"article": article.pk,
                                                   "subject": "Server down"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"kb-deflected" in response.content
    # A double click within the hour is one avoided ticket.
    client.post(reverse("kb:deflect"), {"article": article.pk, "subject": "Server down"})
    article.refresh_from_db()
    assert article.deflection_count == 1
    deflection = Deflection.objects.get()
    assert (deflection.subject, deflection.user) == ("Server down", customer)
    assert Ticket.objects.count() == 0


def test_a_subject_no_database_holds_is_counted_unnamed(article):
    """A NUL (PostgreSQL refuses it in text) in the new-ticket form's subject."""
    deflection = deflection_record(article=article, user=None, subject="Server\x00 down")
    assert deflection.subject == ""
    article.refresh_from_db()
    assert article.deflection_count == 1


def test_visitor_deflections_are_counted(article):
    deflection_record(article=article, user=None, subject="x")
    deflection_record(article=article, user=None, subject="x")
    article.refresh_from_db()
    assert article.deflection_count == 2


def test_the_new_ticket_form_asks_for_suggestions(client: Client, customer):
    login(client, customer)
    body = client.get(reverse("portal:ticket_new")).content.decode()
    assert 'data-testid="kb-suggest-box"' in body and reverse("kb:suggest") in body


def test_views_are_counted_in_batches(client: Client, article, settings):
    settings.DESTEK_KB_VIEW_FLUSH_SECONDS = 3600
    views_counter.article_views_flush()  # whatever earlier tests left in this process
    article.refresh_from_db()
    start = article.view_count
    url = reverse("kb:article", args=["en", article.slug])
    for _ in range(3):
        assert client.get(url).status_code == 200
    article.refresh_from_db()
    assert article.view_count == start and views_counter.pending_views() == 3
    assert views_counter.article_views_flush() == 3
    article.refresh_from_db()
    assert article.view_count == start + 3
    # With the interval passed, the page that crosses it writes the counts.
    settings.DESTEK_KB_VIEW_FLUSH_SECONDS = 0
    client.get(url)
    article.refresh_from_db()
    assert article.view_count == start + 4


def test_article_page_query_count(client: Client, article, settings,
                                  django_assert_max_num_queries):
    settings.DESTEK_KB_VIEW_FLUSH_SECONDS = 3600
    url = reverse("kb:article", args=["en", article.slug])
    client.get(url)
    # article, translations (+ the session read by the vote state).
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
