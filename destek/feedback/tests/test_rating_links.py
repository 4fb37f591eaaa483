"""The email's one-click answers: a GET shows the answer and records nothing (mail
scanners), the POST records, twice is once; tampered, expired or foreign tokens get a clear
404 page."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from destek.feedback.links import RATING_LINK_SALT, rating_token_for
from destek.feedback.models import FeedbackSettings, Rating, RatingSource
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return reverse("portal:rating_link", args=[token])


def post(client: Client, token: str, **data: str):  # type: ignore[no-untyped-def]
    page = client.get(url(token))
    csrf = page.cookies["csrftoken"].value
    return client.post(url(token), {"csrfmiddlewaretoken": csrf, **data})


def test_get_shows_the_choice_and_records_nothing(client, resolved):
    token = rating_token_for(resolved, 1)
    for _ in range(2):  # a mail scanner, then the customer
        response = client.get(url(token))
        assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="rating-score-1"' in content
    assert 'value="1" autocomplete="off" data-testid="rating-score-1" checked' in content
    assert 'name="comment"' in content and 'name="is_complaint"' in content
    assert response["Referrer-Policy"] == "same-origin"
    assert not Rating.objects.exists()


def test_post_records_and_a_second_post_is_idempotent(resolved, monkeypatch):
    from destek.feedback import recovery

    calls: list[bool] = []
    monkeypatch.setattr(recovery, "rating_recorded",
                        lambda rating, *, created: calls.append(created))
    client = Client(enforce_csrf_checks=True)
    token = rating_token_for(resolved, 1)
    data = {"score": "1", "comment": "Too slow", "is_complaint": "on"}
    response = post(client, token, **data)
    assert response.status_code == 302 and "/portal/guest/" in response["Location"]
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.score, rating.comment, rating.is_complaint,
            rating.source) == (resolved.pk, 1, "Too slow", True, RatingSource.EMAIL)
    again = post(client, token, **data)
    assert again.status_code == 302
    assert Rating.objects.count() == 1 and calls == [True]
    # The customer changes their mind through another answer's link (within the window).
    post(client, rating_token_for(resolved, 5), score="5", comment="")
    assert Rating.objects.get().score == 5 and calls == [True, False]


def test_a_post_without_an_answer_changes_nothing(client, resolved):
    response = client.post(url(rating_token_for(resolved, 3)), {"comment": "x"})
    assert response.status_code == 200 and "Please choose one of the answers." in \
        response.content.decode()
    assert not Rating.objects.exists()


@pytest.mark.parametrize("kind", ["tampered", "expired", "foreign", "other-salt"])
def test_bad_tokens_get_a_clear_404(client, resolved, other_customer, department, kind,
                                    monkeypatch):
    token = rating_token_for(resolved, 5)
    if kind == "tampered":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    elif kind == "expired":
        FeedbackSettings.objects.update(link_valid_days=1)
        now = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now - 2 * 24 * 3600)
        token = rating_token_for(resolved, 5)
        monkeypatch.setattr(signing.time, "time", lambda: now)
    elif kind == "foreign":  # signed for another customer's ticket id, this customer's id
        other = open_ticket(customer=other_customer, department=department)
        token = signing.dumps({"t": other.pk, "c": resolved.customer_id, "s": 5},
                              salt=RATING_LINK_SALT, compress=True)
    else:
        token = signing.dumps({"t": resolved.pk, "c": resolved.customer_id, "s": 5},
                              salt="destek.notifications.reopen-link", compress=True)
    for response in (client.get(url(token)), client.post(url(token), {"score": "5"})):
        assert response.status_code == 404
        assert "invalid or has expired" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_token_rates_only_its_own_ticket(client, resolved, customer, department):
    other = open_ticket(customer=customer, department=department, subject="Other")
    client.post(url(rating_token_for(resolved, 1)), {"score": "1"})
    assert list(Rating.objects.values_list("ticket_id", flat=True)) == [resolved.pk]
    assert not Rating.objects.filter(ticket=other).exists()


def test_after_the_change_window_the_page_says_so(client, resolved):
    from datetime import timedelta

    from django.utils import timezone

    client.post(url(rating_token_for(resolved, 5)), {"score": "5"})
    Rating.objects.update(created_at=timezone.now() - timedelta(days=30))
    page = client.get(url(rating_token_for(resolved, 1))).content.decode()
    assert "A rating can be changed for 7 days" in page and 'name="score"' not in page
    response = client.post(url(rating_token_for(resolved, 1)), {"score": "1"})
    assert "can no longer be changed" in response.content.decode()
    assert Rating.objects.get().score == 5


def test_portal_ticket_page_shows_the_form_then_the_rating(customer_client, resolved):
    detail = reverse("portal:ticket_detail", args=[resolved.pk])
    page = customer_client.get(detail).content.decode()
    assert 'data-testid="rating-widget"' in page and 'data-testid="rating-score-5"' in page
    response = customer_client.post(reverse("portal:ticket_rate", args=[resolved.pk]),
                                    {"score": "3", "comment": "ok-ish"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.score, rating.source) == (3, RatingSource.PORTAL)
    page = customer_client.get(detail).content.decode()
    assert "Okay" in page and "ok-ish" in page and "Change my rating" in page


def test_portal_refuses_to_rate_an_open_ticket(customer_client, ticket):
    response = customer_client.post(reverse("portal:ticket_rate", args=[ticket.pk]),
                                    {"score": "5"})
    assert response.status_code == 404 and not Rating.objects.exists()
    page = customer_client.get(reverse("portal:ticket_detail", args=[ticket.pk]))
    assert 'data-testid="rating-widget"' not in page.content.decode()


def test_the_guest_link_page_rates_too_and_only_done_tickets(client, resolved, ticket_factory):
    from destek.tickets.access import guest_token_for

    token = guest_token_for(resolved)
    page = client.get(reverse("portal:guest_ticket", args=[token])).content.decode()
    assert reverse("portal:guest_rate", args=[token]) in page
    response = client.post(reverse("portal:guest_rate", args=[token]),
                           {"score": "5", "comment": "quick"})
    assert response.status_code == 302
    assert Rating.objects.get().source == RatingSource.PORTAL
    still_open = ticket_factory()
    response = client.post(reverse("portal:guest_rate", args=[guest_token_for(still_open)]),
                           {"score": "5"})
    assert response.status_code == 404 and Rating.objects.count() == 1
