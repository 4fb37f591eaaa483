"""Search quality in Turkish and English (stemming, typos), ranking, snippets, filters,
misses, and the number of queries a search costs. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.kb.factories import CategoryFactory, make_article
from destek.kb.models import SearchMiss
from destek.kb.search import search, suggest
from destek.kb.search.text import analyze, highlight

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    hosting = CategoryFactory(slug="hosting")
    email = CategoryFactory(slug="email", parent=hosting)
    return {
        "sunucu": make_article(title="Sunucu nasıl yeniden başlatılır", language="tr",
                               category=hosting,
                               body="Yönetim panelinden sunucu yeniden başlatma adımları."),
        "sifre": make_article(title="E-posta şifresi sıfırlama", language="tr", category=email,
                              body="E-posta hesabınızın şifresini panelden değiştirebilirsiniz."),
        "server": make_article(title="How to restart a server", category=hosting,
                               body="Use the control panel to reboot the server safely."),
        "dns": make_article(title="Pointing your domain to us", category=hosting,
                            body="Change the nameservers at your registrar to ours."),
        "mailbox": make_article(title="Creating a mailbox", category=email,
                                body="Open Email accounts and create a new mailbox."),
    }


def ids(result):
    return [hit.article.pk for hit in result.hits]


@pytest.mark.parametrize("word", ["sunucu", "sunucularım", "sunucular", "sunucuya",
                                  "sunucunun", "SUNUCULARIMIZ"])
def test_turkish_stemming(articles, word):
    assert ids(search(actor=None, query=word)) == [articles["sunucu"].pk]


def test_turkish_terms_agree():
    # The Snowball stemmer alone gives "sunucu" for one and "sunuç" for the other.
    assert analyze("sunucularım", "tr") == analyze("sunucu", "tr")
    assert analyze("şifremi", "tr") == analyze("şifre", "tr") == analyze("sifre", "tr")
    assert analyze("KITAPLARI", "tr") == analyze("kitapları", "tr")  # I → ı in Turkish


@pytest.mark.parametrize("word", ["server", "servers", "Servers", "restarting", "restarts"])
def test_english_stemming(articles, word):
    assert ids(search(actor=None, query=word))[0] == articles["server"].pk


def test_asciified_turkish(articles):
    assert ids(search(actor=None, query="sifremi unuttum eposta sifresi")) == \
        [articles["sifre"].pk]


@pytest.mark.parametrize(("typo", "key", "corrected"), [
    ("sevrer", "server", "server"),
    ("restrat server", "server", "restart server"),
    ("nameservres", "dns", "nameservers"),
    ("sunucuu", "sunucu", "sunucu"),
])
def test_typos_still_find_the_article(articles, typo, key, corrected):
    result = search(actor=None, query=typo)
    assert ids(result)[0] == articles[key].pk
    assert result.corrected == corrected


def test_every_word_must_match_before_any_word_may(articles):
    assert ids(search(actor=None, query="restart server")) == [articles["server"].pk]
    # No article has both: fall back to articles with either.
    found = set(ids(search(actor=None, query="mailbox nameservers")))
    assert found == {articles["mailbox"].pk, articles["dns"].pk}


def test_title_ranks_above_body(articles):
    other = make_article(title="Control panel overview",
                         body="Everything about the panel. You can also restart a server here.")
    assert ids(search(actor=None, query="server"))[:2] == [articles["server"].pk, other.pk]


def test_filters(articles):
    assert ids(search(actor=None, query="panel", language="tr")) and all(
        hit.article.language == "tr" for hit in search(actor=None, query="panel",
                                                       language="tr").hits)
    email_cat = articles["mailbox"].category
    # A category includes its subcategories.
    found = set(ids(search(actor=None, query="panel", category_id=email_cat.parent_id)))
    assert articles["sifre"].pk in found and articles["server"].pk in found
    found = set(ids(search(actor=None, query="panel", category_id=email_cat.pk)))
    assert found == {articles["sifre"].pk}


def test_snippets_are_highlighted_and_escaped(articles):
    make_article(title="Odd <b>title</b>", body="The server said <script>x</script> hi.")
    hit = next(h for h in search(actor=None, query="servers").hits
               if h.article.title.startswith("Odd"))
    assert "<mark>server</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>sunucularınızın</mark>" in highlight(
        "Bu yazı sunucularınızın bakımını anlatır.", set(analyze("sunucu", "tr")), "tr")


def test_searches_without_results_are_counted(articles):
    for _ in range(2):
        assert ids(search(actor=None, query="  Kubernetes   cluster ")) == []
    miss = SearchMiss.objects.get()
    assert (miss.query, miss.count) == ("kubernetes cluster", 2)
    assert search(actor=None, query="the and", language="en").hits == []  # only stop words
    assert SearchMiss.objects.count() == 1


def test_suggestions_match_any_word(articles):
    hits = suggest(actor=None, text="My servers do not come back after a reboot, help")
    assert hits[0].article.pk == articles["server"].pk
    hits = suggest(actor=None, text="e-posta şifremi unuttum")
    assert hits[0].article.pk == articles["sifre"].pk
    assert suggest(actor=None, text="   ") == []


def test_query_counts(articles, django_assert_max_num_queries):
    # Found at once: match + articles.
    with django_assert_max_num_queries(2):
        search(actor=None, query="server")
    with django_assert_max_num_queries(2):
        suggest(actor=None, text="server reboot panel mailbox")
    # Typo path: match, known words, nearest word(s), match again, articles.
    with CaptureQueriesContext(connection) as ctx:
        search(actor=None, query="sevrer")
    assert len(ctx.captured_queries) <= 6


def test_live_suggestions_over_http(client, articles, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # session/user lookups are not there for visitors
        response = client.get("/kb/suggest/", {"subject": "server will not restart",
                                               "body": "It hangs."})
    assert response.status_code == 200
    assert articles["server"].title in response.content.decode()
    assert client.get("/kb/suggest/").content.strip() == b""


def test_results_page_and_api_load_each_article_once(client, articles, django_assert_num_queries):
    for n in range(3):
        make_article(title=f"Another server article {n}", body="Reboot the server.")
    # Match, the articles (only the fields shown), the categories of the filter.
    with django_assert_num_queries(3):
        page = client.get("/kb/search/", {"q": "server"}).content.decode()
    assert page.count('data-testid="kb-hit"') == 4 and "<mark>server</mark>" in page
    # Match and the articles: no query per article for a field the summary shows.
    with django_assert_num_queries(2):
        rows = client.get("/api/v1/kb/articles/", {"q": "server"}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert len(rows) == 4 and all(r["updated_at"] and r["url"] for r in rows)
    assert all("<mark>server</mark>" in r["snippet"] for r in rows)
    listed = client.get("/api/v1/kb/articles/").json()
    listed = listed["results"] if isinstance(listed, dict) else listed
    assert listed and all(r["snippet"] == "" for r in listed)
