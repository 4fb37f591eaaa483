"""Where ratings are shown: the desk's ticket page (with the ticket row, no query of its
own), the customer panel (average and last ratings, one query) and "My ratings"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.feedback.models import RatingScale, RatingSource
from destek.feedback.ratings import rating_record
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_ticket_page_shows_the_rating_without_a_query_of_its_own(agent_client, resolved):
    path = reverse("desk:ticket", args=[resolved.pk])
    before, page = queries(agent_client, path)
    assert 'data-testid="ticket-rating"' not in page
    assert "No ratings yet." in page  # the customer panel
    rating_record(ticket=resolved, customer=resolved.customer, score=1,
                  scale=RatingScale.THREE, source=RatingSource.EMAIL,
                  comment="Still broken", is_complaint=True)
    after, page = queries(agent_client, path)
    assert after == before
    assert 'data-testid="ticket-rating"' in page and "Still broken" in page
    assert "Bad" in page and "Complaint" in page
    assert "4.0 / 5" not in page and "1.0 / 5 average of 1 rating" in page


def test_five_point_ratings_show_stars(agent_client, resolved):
    rating_record(ticket=resolved, customer=resolved.customer, score=4,
                  scale=RatingScale.FIVE, source=RatingSource.PORTAL)
    page = agent_client.get(reverse("desk:ticket", args=[resolved.pk])).content.decode()
    assert "★★★★☆" in page and "4 of 5 stars" in page


def test_my_ratings_lists_newest_first_keyset_paginated(agent_client, agent, customer,
                                                        department, resolved):
    tickets = [resolved]
    for i in range(27):
        t = open_ticket(customer=customer, department=department, subject=f"T{i}")
        t.assignee = agent
        tickets.append(t)
    for i, t in enumerate(tickets):
        rating_record(ticket=t, customer=customer, score=5 if i % 2 else 1,
                      scale=RatingScale.THREE, source=RatingSource.EMAIL, comment=f"c{i}")
    path = reverse("desk:my_ratings")
    response = agent_client.get(path)
    page = response.content.decode()
    assert page.count('data-testid="rating-row"') == 25
    assert "c27" in page and "c0<" not in page and "of 28 ratings" in page
    older = page.split('data-testid="ratings-older"')[0].rsplit('href="', 1)[1].split('"')[0]
    rest = agent_client.get(path + older.replace("&amp;", "&")).content.decode()
    assert rest.count('data-testid="rating-row"') == 3 and "c0<" in rest
    assert 'data-testid="ratings-older"' not in rest
    # A fixed number of queries whatever the page holds.
    small, _ = queries(agent_client, path + older.replace("&amp;", "&"))
    big, _ = queries(agent_client, path)
    assert small == big


def test_my_ratings_is_for_staff_only(customer_client):
    assert customer_client.get(reverse("desk:my_ratings")).status_code == 404
