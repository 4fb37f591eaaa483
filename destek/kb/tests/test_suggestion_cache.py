"""The live suggestions' cached fragments: one per audience and page language, retired by any
change to the articles (and by a scheduled article going live), never shown to the wrong
audience, and carrying each customer's own subject."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from destek.conftest import login
from destek.kb.factories import make_article
from destek.kb.models import Article, Audience, SearchState
from destek.kb.services.articles import (
    article_input_from,
    article_unpublish,
    article_update,
    articles_delete,
)

pytestmark = pytest.mark.django_db

SUBJECT = "server root password"
BODY = "backup migration"


def suggestions(client: Client, subject: str = SUBJECT, body: str = BODY) -> str:
    response = client.get(reverse("kb:suggest"), {"subject": subject, "body": body})
    assert response.status_code == 200
    return response.content.decode()


def assert_hidden(page: str, articles: list) -> None:
    for article in articles:
        assert article.title not in page and article.slug not in page, article.title


def test_each_audience_has_its_own_fragment(library, customer, agent):
    # The widest audience asks first, so its fragment is cached when the others ask the same.
    agent_page = suggestions(login(Client(), agent))
    assert library.internal.title in agent_page and library.customers.title in agent_page
    customer_page = suggestions(login(Client(), customer))
    assert library.customers.title in customer_page
    assert_hidden(customer_page, library.hidden_from_customers)
    visitor_page = suggestions(Client())
    assert library.public.title in visitor_page
    assert_hidden(visitor_page, library.hidden_from_visitors)
    # Asked again, from the cache: the same for each.
    assert suggestions(Client()) == visitor_page
    assert suggestions(login(Client(), customer)) == customer_page
    assert suggestions(login(Client(), agent)) == agent_page


def test_an_inactive_user_is_a_visitor(library, customer, agent):
    suggestions(login(Client(), agent))
    client = login(Client(), customer)
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert_hidden(suggestions(client), library.hidden_from_visitors)


def test_the_same_words_are_answered_from_the_cache(library, django_assert_num_queries):
    visitor = Client()
    first = suggestions(visitor)
    with django_assert_num_queries(1):  # the search state's version; no search
        again = suggestions(visitor, subject="  Server, root PASSWORD! ", body=BODY + "  ")
    assert again.replace("%20%20Server%2C%20root%20PASSWORD%21%20", "server%20root%20password") \
        == first


def test_the_subject_in_the_links_is_each_customers_own(library):
    first = suggestions(Client(), subject="Server root password?", body="")
    second = suggestions(Client(), subject="server ROOT password <b>", body="")
    assert "subject=Server%20root%20password%3F" in first
    assert "subject=server%20ROOT%20password%20%3Cb%3E" in second
    assert "%3F" not in second and "<b>" not in second


def test_each_page_language_has_its_own_fragment(library):
    english = suggestions(Client())
    turkish_client = Client()
    turkish_client.cookies["django_language"] = "tr"
    turkish = suggestions(turkish_client)
    assert "These articles may answer your question:" in english
    assert "Bu makaleler sorunuzu yanıtlayabilir:" in turkish


def test_a_change_to_an_article_retires_the_cached_fragments(library, agent):
    visitor = Client()
    assert library.public.title in suggestions(visitor)
    # Made internal: gone from visitors' suggestions at once, cached or not.
    article_update(actor=agent, article=library.public,
                   data=article_input_from(library.public, audience=Audience.INTERNAL))
    assert_hidden(suggestions(visitor), [library.public])
    assert library.public.title in suggestions(login(Client(), agent))
    # A new article is suggested at once.
    new = make_article(title="Server root password for everyone", body="Reset it.")
    assert new.title in suggestions(visitor)
    # Unpublished, and deleted.
    article_unpublish(actor=agent, article=new)
    assert_hidden(suggestions(visitor), [new])
    customer_only = library.customers
    agent_client = login(Client(), agent)
    assert customer_only.title in suggestions(agent_client)
    articles_delete(Article.objects.filter(pk=customer_only.pk))  # the admin's delete
    assert customer_only.title not in suggestions(agent_client)


def test_a_scheduled_article_appears_when_its_time_comes(library, monkeypatch):
    visitor, text = Client(), {"subject": "server migration announcement", "body": ""}
    assert_hidden(suggestions(visitor, **text), [library.scheduled])
    assert SearchState.objects.get().refresh_at is not None
    later = timezone.now() + datetime.timedelta(days=3)  # the article goes live in two
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert library.scheduled.title in suggestions(visitor, **text)
    assert SearchState.objects.get().refresh_at is None  # nothing else is scheduled


def test_without_the_search_state_nothing_is_cached(library, agent):
    SearchState.objects.all().delete()  # as after a flush: suggestions still work, uncached
    visitor = Client()
    assert library.public.title in suggestions(visitor)
    article_update(actor=agent, article=library.public,
                   data=article_input_from(library.public, audience=Audience.CUSTOMERS))
    assert SearchState.objects.exists()  # the next write puts it back
    assert_hidden(suggestions(visitor), [library.public])
