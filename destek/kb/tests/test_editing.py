"""Writing articles: Markdown, revisions with diff and restore, review before publishing,
scheduled publishing, translations, drafts from tickets, the desk panel and the report."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from destek.conftest import login
from destek.core.errors import ApplicationError, PermissionDenied
from destek.kb.access import articles_visible_to
from destek.kb.factories import make_article
from destek.kb.models import Article, ArticleStatus, Audience, Revision
from destek.kb.search import search
from destek.kb.selectors import revision_diff
from destek.kb.services.articles import (
    ArticleInput,
    article_create,
    article_publish,
    article_restore_revision,
    article_submit_for_review,
    article_update,
)

pytestmark = pytest.mark.django_db


def test_markdown_is_rendered_and_sanitized(agent):
    article = article_create(actor=agent, data=ArticleInput(
        title="Şifrenizi sıfırlayın", language="tr",
        body_markdown="**Kalın** <script>alert(1)</script> [x](javascript:alert(1))\n\n"
                      "![ekran](/kb/files/1/)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert article.slug == "sifrenizi-sifirlayin"
    assert "<strong>Kalın</strong>" in article.body_html
    assert "<script>" not in article.body_html and "href=\"javascript" not in article.body_html
    assert '<img src="/kb/files/1/" alt="ekran">' in article.body_html
    assert "<table>" in article.body_html
    assert article.status == ArticleStatus.DRAFT


def test_revisions_diff_and_restore(agent):
    article = article_create(actor=agent, data=ArticleInput(title="Backups",
                                                            body_markdown="Nightly.\n"))
    article_update(actor=agent, article=article, note="weekly now",
                   data=ArticleInput(title="Backups", body_markdown="Weekly.\n"))
    first, second = Revision.objects.filter(article=article).order_by("number")
    assert (first.number, second.number, second.note) == (1, 2, "weekly now")
    diff = {(line.kind, line.text) for line in revision_diff(old=first, new=second)}
    assert ("remove", "Nightly.") in diff and ("add", "Weekly.") in diff
    article_restore_revision(actor=agent, article=article, revision=first)
    article.refresh_from_db()
    assert article.body_markdown == "Nightly.\n"
    assert article.revisions.count() == 3
    # The index follows the restored text.
    article_publish(actor=agent, article=article)
    assert [h.article.pk for h in search(actor=None, query="nightly").hits] == [article.pk]
    assert search(actor=None, query="weekly", record_misses=False).hits == []


def test_restore_over_http(client: Client, agent):
    article = make_article(title="Old title", body="old")
    article_update(actor=agent, article=article, data=ArticleInput(title="New title",
                                                                    body_markdown="new"))
    login(client, agent)
    page = client.get(reverse("kb:desk_revisions", args=[article.pk]) + "?r=2")
    assert b'data-testid="kb-diff"' in page.content and b"Old title" in page.content
    client.post(reverse("kb:desk_restore", args=[article.pk, 1]))
    article.refresh_from_db()
    assert article.title == "Old title"


def test_outsourced_agents_submit_for_review_and_others_publish(outsourced, agent):
    article = article_create(actor=outsourced, data=ArticleInput(title="VPS firewall",
                                                                 body_markdown="ufw allow"))
    with pytest.raises(PermissionDenied):
        article_publish(actor=outsourced, article=article)
    article_submit_for_review(actor=outsourced, article=article)
    assert article.status == ArticleStatus.REVIEW
    article_publish(actor=agent, article=article)
    assert article.status == ArticleStatus.PUBLISHED
    with pytest.raises(PermissionDenied):  # live articles are edited in-house
        article_update(actor=outsourced, article=article,
                       data=ArticleInput(title="VPS firewall", body_markdown="changed"))


def test_review_workflow_over_http(client: Client, outsourced, agent):
    login(client, outsourced)
    response = client.post(reverse("kb:desk_new"), {
        "title": "Installing WordPress", "language": "en", "audience": "public",
        "body_markdown": "Use the one-click installer."})
    article = Article.objects.get()
    assert response.url == reverse("kb:desk_edit", args=[article.pk])
    client.post(reverse("kb:desk_action", args=[article.pk, "publish"]))
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT  # refused
    client.post(reverse("kb:desk_action", args=[article.pk, "submit"]))
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEW
    assert b"kb-publish" not in client.get(reverse("kb:desk_edit", args=[article.pk])).content
    login(client, agent)
    client.post(reverse("kb:desk_action", args=[article.pk, "publish"]))
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED


def test_scheduled_publishing(agent, customer):
    article = make_article(title="New data center",
                           publish_at=timezone.now() + datetime.timedelta(hours=1))
    assert not articles_visible_to(customer).filter(pk=article.pk).exists()
    Article.objects.filter(pk=article.pk).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1))
    assert articles_visible_to(customer).filter(pk=article.pk).exists()
    with pytest.raises(ApplicationError):
        article_publish(actor=agent, article=article,
                        publish_at=datetime.datetime(2030, 1, 1))


def test_translations_are_linked(client: Client, agent):
    english = make_article(title="Reset your password", body="Click reset.")
    turkish = make_article(title="Şifrenizi sıfırlayın", language="tr", translation_of=english,
                           body="Sıfırla düğmesine basın.")
    assert turkish.group == english.group
    with pytest.raises(ApplicationError):
        make_article(title="Another", language="tr", translation_of=english)
    body = client.get(reverse("kb:article", args=["en", english.slug])).content.decode()
    assert f'hreflang="tr" href="http://testserver/kb/tr/{turkish.slug}/"' in body
    assert 'property="og:title" content="Reset your password"' in body


def test_draft_from_ticket(client: Client, agent, customer, department):
    from destek.tickets.factories import open_ticket

    ticket = open_ticket(customer=customer, department=department, subject="Mail bounces",
                         body="My emails to gmail bounce.")
    login(client, agent)
    response = client.post(reverse("kb:desk_from_ticket", args=[ticket.pk]))
    article = Article.objects.get()
    assert response.url == reverse("kb:desk_edit", args=[article.pk])
    assert article.title == "Mail bounces"
    assert "My emails to gmail bounce." in article.body_markdown
    assert (article.status, article.audience) == (ArticleStatus.DRAFT, Audience.INTERNAL)


def test_desk_panel_and_ticket_view(client: Client, agent, customer, department):
    from destek.tickets.factories import open_ticket

    internal = make_article(title="Root password rotation", audience=Audience.INTERNAL,
                            body="Rotate monthly.")
    ticket = open_ticket(customer=customer, department=department, subject="x", body="y")
    login(client, agent)
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert 'data-testid="kb-panel"' in page and reverse("kb:desk_search") in page
    results = client.get(reverse("kb:desk_search"), {"q": "password"}).content.decode()
    assert internal.title in results and "kb-insert-link" in results
    assert "Rotate monthly." in results  # the text to insert


def test_report(client: Client, agent):
    seen = make_article(title="Seen a lot", body="x")
    Article.objects.filter(pk=seen.pk).update(view_count=50, unhelpful_count=3)
    search(actor=None, query="kubernetes")
    login(client, agent)
    body = client.get(reverse("kb:desk_report")).content.decode()
    assert "Seen a lot" in body and "kubernetes" in body


def test_api_create_and_edit(client: Client, agent):
    login(client, agent)
    response = client.post("/api/v1/kb/articles/", {
        "title": "DNS propagation", "body_markdown": "Takes up to **48 hours**.",
        "language": "en"}, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and "<strong>48 hours</strong>" in data["body_html"]
    response = client.patch(f"/api/v1/kb/articles/{data['id']}/", {"title": "DNS changes"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == "DNS changes"
    assert Revision.objects.filter(article_id=data["id"]).count() == 2
    response = client.post("/api/v1/kb/articles/", {
        "title": "DNS yayılması", "language": "tr", "translation_of": data["id"]},
        content_type="application/json")
    assert response.status_code == 201
    assert response.json()["translations"] == []  # the English one is still a draft
    assert client.get("/api/v1/kb/categories/").status_code == 200


def test_unpublishing_hides_from_search_at_once(agent):
    from destek.kb.services.articles import article_unpublish

    article = make_article(title="Reseller hosting limits", body="Limits.")
    assert [h.article.pk for h in search(actor=None, query="reseller").hits] == [article.pk]
    article_unpublish(actor=agent, article=article)
    assert search(actor=None, query="reseller", record_misses=False).hits == []
