"""Internal, customer-only, draft, in-review and scheduled articles never reach the wrong
audience: not through pages, search, suggestions, the FAQ, the API, the sitemap or files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from destek.accounts.models import User
from destek.conftest import login
from destek.kb.access import access_article, articles_visible_to
from destek.kb.models import Article
from destek.kb.search import search, suggest
from destek.kb.services.attachments import attachment_add

pytestmark = pytest.mark.django_db


def article_url(article: Article) -> str:
    return reverse("kb:article", args=[article.language, article.slug])


def visible_ids(actor: User | None) -> set[int]:
    return set(articles_visible_to(actor).values_list("pk", flat=True))


def test_audiences(library, customer, agent, outsourced):
    everyone = {library.public.pk, library.public_tr.pk}
    assert visible_ids(None) == everyone
    assert visible_ids(customer) == everyone | {library.customers.pk}
    published = everyone | {library.customers.pk, library.internal.pk}
    assert visible_ids(agent) == published
    assert visible_ids(outsourced) == published
    # Agents may open drafts, reviews and scheduled articles when they ask for them.
    unpublished = set(articles_visible_to(agent, include_unpublished=True)
                      .values_list("pk", flat=True))
    assert {a.pk for a in library.hidden_from_customers} <= unpublished
    assert set(articles_visible_to(customer, include_unpublished=True)
               .values_list("pk", flat=True)) == visible_ids(customer)


@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_article_pages(client: Client, library, customer, who):
    if who == "customer":
        login(client, customer)
    hidden = library.hidden_from_customers if who == "customer" else library.hidden_from_visitors
    for article in hidden:
        assert client.get(article_url(article)).status_code == 404, article.title
        assert client.post(reverse("kb:vote", args=[article.language, article.slug]),
                           {"helpful": "1"}).status_code == 404
        assert client.post(reverse("kb:deflect"), {"article": article.pk}).status_code == 404
    assert client.get(article_url(library.public)).status_code == 200
    expected = 200 if who == "customer" else 404
    assert client.get(article_url(library.customers)).status_code == expected


def test_agents_see_internal_and_preview_drafts(client: Client, library, agent):
    login(client, agent)
    for article in [library.internal, library.draft, library.scheduled, library.customers]:
        assert client.get(article_url(article)).status_code == 200


@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_lists_search_suggestions_faq(client: Client, library, customer, who):
    actor = customer if who == "customer" else None
    if actor:
        login(client, actor)
    hidden = library.hidden_from_customers if actor else library.hidden_from_visitors
    hidden_ids = {a.pk for a in hidden}
    found = {h.article.pk for h in search(actor=actor, query="server").hits}
    assert library.public.pk in found and not found & hidden_ids
    found = {h.article.pk for h in suggest(actor=actor, text="server root password backup "
                                                          "migration draft review")}
    assert not found & hidden_ids
    pages = [reverse("kb:index"), reverse("kb:faq"), reverse("kb:search") + "?q=server",
             reverse("kb:search") + "?q=password+rotation",
             reverse("kb:category", args=["servers"]),
             reverse("kb:suggest") + "?subject=server+root+password&body=backup+migration",
             reverse("kb:search") + "?q=server&language=en&category=servers"]
    for url in pages:
        body = client.get(url).content.decode()
        for article in hidden:
            assert article.title not in body, (url, article.title)
            assert article.slug not in body, (url, article.title)


def test_search_for_agents_includes_internal(library, agent):
    found = {h.article.pk for h in search(actor=agent, query="root password").hits}
    assert found == {library.internal.pk}


@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_api(client: Client, library, customer, who):
    if who == "customer":
        login(client, customer)
    hidden = library.hidden_from_customers if who == "customer" else library.hidden_from_visitors
    listed = client.get("/api/v1/kb/articles/?limit=50").json()
    searched = client.get("/api/v1/kb/articles/?q=server&limit=50").json()
    ids = {row["id"] for row in listed} | {row["id"] for row in searched}
    assert library.public.pk in ids
    assert not ids & {a.pk for a in hidden}
    for article in hidden:
        response = client.get(f"/api/v1/kb/articles/{article.pk}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # The translation links of a visible article name only visible articles.
    detail = client.get(f"/api/v1/kb/articles/{library.public.pk}/").json()
    assert [t["id"] for t in detail["translations"]] == [library.public_tr.pk]


def test_api_writes_need_an_agent(client: Client, library, customer):
    assert client.post("/api/v1/kb/articles/", {"title": "x"},
                       content_type="application/json").status_code == 401
    login(client, customer)
    assert client.post("/api/v1/kb/articles/", {"title": "x"},
                       content_type="application/json").status_code == 403
    assert client.patch(f"/api/v1/kb/articles/{library.public.pk}/", {"title": "x"},
                        content_type="application/json").status_code == 403


def test_sitemap_lists_only_public_articles(client: Client, library, agent):
    login(client, agent)  # even for an agent: the sitemap is for search engines
    body = client.get("/sitemap.xml").content.decode()
    assert article_url(library.public) in body and article_url(library.public_tr) in body
    for article in library.hidden_from_visitors:
        assert article.slug not in body


def test_attachments_follow_their_article(client: Client, library, customer, agent):
    image = SimpleUploadedFile("shot.png", b"\x89PNG fake", content_type="image/png")
    on_internal = attachment_add(actor=agent, article=library.internal, upload=image)
    doc = SimpleUploadedFile("guide.pdf", b"%PDF fake", content_type="application/pdf")
    on_public = attachment_add(actor=agent, article=library.public, upload=doc)
    url = reverse("kb:attachment", args=[on_internal.pk])
    assert client.get(url).status_code == 404
    login(client, customer)
    assert client.get(url).status_code == 404
    response = client.get(reverse("kb:attachment", args=[on_public.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    login(client, agent)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"] == "inline"


def test_desk_pages_are_for_staff_only(client: Client, library, customer):
    urls = [reverse("kb:desk_articles"), reverse("kb:desk_search") + "?q=root",
            reverse("kb:desk_report"), reverse("kb:desk_edit", args=[library.internal.pk]),
            reverse("kb:desk_revisions", args=[library.internal.pk])]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    login(client, customer)
    for url in urls:
        assert client.get(url).status_code == 404


def test_access_article_hides_existence(library, customer):
    from destek.core.errors import NotFound

    with pytest.raises(NotFound):
        access_article(actor=customer, article_id=library.internal.pk)
    with pytest.raises(NotFound):
        access_article(actor=customer, article_id="not-a-number")
