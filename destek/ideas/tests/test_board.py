"""The board's pages: who sees what, a fixed number of queries, posting and its duplicates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.accounts.factories import CustomerFactory
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ServiceStatus
from destek.ideas import factories
from destek.ideas.models import Idea, IdeaStatus
from destek.ideas.selectors import board
from destek.ideas.services import similar_ideas

pytestmark = pytest.mark.django_db


def test_visitors_see_public_categories_only(client, customer, public, private):
    factories.idea(author=customer, cat=public, title="Public idea about backups")
    factories.idea(author=customer, cat=private, title="Private idea about invoices")
    page = client.get(reverse("ideas:board")).content.decode()
    assert "Public idea about backups" in page
    assert "Private idea about invoices" not in page
    secret = Idea.objects.get(title__startswith="Private")
    assert client.get(reverse("ideas:detail", args=[secret.pk])).status_code == 404


def test_signed_in_customers_see_customers_only_categories(client, customer, other_customer,
                                                           public, private):
    factories.idea(author=customer, cat=private, title="Private idea about invoices")
    client.force_login(other_customer)
    assert "Private idea about invoices" in client.get(reverse("ideas:board")).content.decode()


def test_hidden_and_spam_ideas_are_off_the_board(client, customer, agent, public):
    idea = factories.idea(author=customer, cat=public, title="Cheap pills here")
    Idea.objects.filter(pk=idea.pk).update(hidden=True, is_spam=True)
    assert "Cheap pills" not in client.get(reverse("ideas:board")).content.decode()
    assert client.get(reverse("ideas:detail", args=[idea.pk])).status_code == 404
    client.force_login(agent)  # staff still open it, to undo a mistake
    assert client.get(reverse("ideas:detail", args=[idea.pk])).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_board_is_a_fixed_number_of_queries(client, customer, public, private, count,
                                                django_assert_num_queries):
    authors = [CustomerFactory() for _ in range(3)]
    for n in range(count):
        factories.idea(author=authors[n % 3], cat=public if n % 2 else private,
                       title=f"Idea number {n}")
    client.force_login(customer)
    # session + user, categories, ideas, the customer's votes among them
    with django_assert_num_queries(4):
        response = client.get(reverse("ideas:board"))
    assert response.status_code == 200
    client.logout()
    # categories, ideas
    with django_assert_num_queries(2):
        assert client.get(reverse("ideas:board") + "?sort=new").status_code == 200


def test_top_sorts_by_votes_and_pages_by_keyset(client, customer, public):
    ideas = [factories.idea(author=customer, cat=public, title=f"Idea {n}") for n in range(25)]
    Idea.objects.filter(pk=ideas[3].pk).update(vote_count=50)
    first = board(actor=customer)
    assert first.rows[0].id == ideas[3].pk
    assert len(first.rows) == 20 and first.next_cursor
    second = board(actor=customer, cursor=first.next_cursor)
    assert len(second.rows) == 5
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}


def test_status_filter(client, customer, public):
    planned = factories.idea(author=customer, cat=public, title="Planned one")
    factories.idea(author=customer, cat=public, title="New one")
    Idea.objects.filter(pk=planned.pk).update(status=IdeaStatus.PLANNED)
    page = client.get(reverse("ideas:board") + "?status=planned").content.decode()
    assert "Planned one" in page and "New one" not in page


def test_a_customer_posts_an_idea_with_their_own_service(client, customer, public):
    service = ServiceFactory(customer=customer)
    client.force_login(customer)
    response = client.post(reverse("ideas:new"), {
        "title": "PHP 8.4 on shared hosting", "description": "Please add PHP 8.4.",
        "category": public.pk, "service": service.pk})
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/ideas/{idea.pk}/")
    assert idea.service == service and idea.author == customer
    assert idea.vote_count == 1  # the author's own vote


def test_someone_elses_or_a_cancelled_service_is_refused(client, customer, other_customer,
                                                         public):
    theirs = ServiceFactory(customer=other_customer)
    cancelled = ServiceFactory(customer=customer, status=ServiceStatus.CANCELLED)
    client.force_login(customer)
    for service in (theirs, cancelled):
        response = client.post(reverse("ideas:new"), {
            "title": "PHP 8.4", "description": "Please.", "category": public.pk,
            "service": service.pk})
        assert response.status_code == 400
    assert not Idea.objects.exists()


def test_visitors_and_staff_cannot_post(client, agent, public):
    assert client.get(reverse("ideas:new")).status_code == 302  # to the login page
    client.force_login(agent)
    assert client.get(reverse("ideas:new")).status_code == 404


def test_duplicates_are_suggested_while_typing(client, customer, other_customer, public):
    factories.idea(author=customer, cat=public, title="Let's Encrypt wildcard certificates",
                   description="Issue wildcard certificates for our domains.")
    factories.idea(author=customer, cat=public, title="Dark mode for the control panel",
                   description="Easier on the eyes at night.")
    client.force_login(other_customer)
    # a half-typed word still finds it (prefix), in either language's analysis
    found = client.get(reverse("ideas:similar"), {"title": "wildcard certif"}).content.decode()
    assert "Let&#x27;s Encrypt wildcard certificates" in found
    assert "Dark mode" not in found
    assert client.get(reverse("ideas:similar"), {"title": "xyzzy"}).content.decode().strip() == ""


def test_turkish_forms_find_each_other(customer, public):
    factories.idea(author=customer, cat=public, title="Sunucularım için yedekleme")
    assert [i.title for i in similar_ideas(actor=customer, text="sunucu yedek")] == \
        ["Sunucularım için yedekleme"]


def test_duplicates_respect_visibility(customer, public, private):
    factories.idea(author=customer, cat=private, title="Invoices in Turkish lira")
    assert similar_ideas(actor=None, text="invoices lira") == []
    assert len(similar_ideas(actor=customer, text="invoices lira")) == 1


def test_pages_in_turkish(client, customer, public):
    idea = factories.idea(author=customer, cat=public)
    client.force_login(customer)
    customer.language = "tr"
    client.cookies["django_language"] = "tr"
    page = client.get(reverse("ideas:board"), HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Öneriler" in page and "Control panel (tr)" in page
    detail = client.get(reverse("ideas:detail", args=[idea.pk]),
                        HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Yorumlar" in detail


def test_the_embed_is_framed_only_from_configured_origins(client, settings, customer, public):
    factories.idea(author=customer, cat=public, title="Embedded idea")
    response = client.get(reverse("ideas:embed"))
    assert response["X-Frame-Options"] == "DENY"
    settings.DESTEK_IDEAS_EMBED_ORIGINS = ["https://panel.example-hosting.com"]
    response = client.get(reverse("ideas:embed"))
    assert "Embedded idea" in response.content.decode()
    assert "X-Frame-Options" not in response
    assert "frame-ancestors https://panel.example-hosting.com" in \
        response["Content-Security-Policy"]
    # every other page still refuses frames
    page = client.get(reverse("ideas:board"))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
