"""The help center, the editor and the KB's API errors come out in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.models import User

pytestmark = pytest.mark.django_db


def speaking(user: User | None, language: str) -> Client:
    """A fresh browser signed in as `user` (whose account says `language`), or a visitor who
    chose `language` with the switch."""
    client = Client()
    if user is None:
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        return client
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def test_help_center_index_in_turkish(customer, library):
    text = speaking(customer, "tr").get(reverse("kb:index")).content.decode()
    assert '<html lang="tr">' in text
    for words in ("Yardım merkezi", "Kategoriler", "Sunucular", "Popüler makaleler",
                  "Sıkça sorulan sorular", "Tüm sıkça sorulan sorular",
                  "Yardım merkezinde ara…", "Sunucunuzu yeniden başlatın"):
        assert words in text, words
    assert "Help center" not in text
    assert "Popular articles" not in text


def test_help_center_index_in_english(customer, library):
    text = speaking(customer, "en").get(reverse("kb:index")).content.decode()
    for words in ("Help center", "Categories", "Servers", "Popular articles"):
        assert words in text, words
    assert "Yardım merkezi" not in text


def test_search_in_turkish(library):
    client = speaking(None, "tr")
    text = client.get(reverse("kb:search"), {"q": "sunucu"}).content.decode()
    for words in ("Yardım merkezinde ara", "Tüm kategoriler", "Tüm diller", "Ara",
                  "Sunucunuzu yeniden başlatın"):
        assert words in text, words
    empty = client.get(reverse("kb:search"), {"q": "qwxzv"}).content.decode()
    assert "Aramanızla eşleşen makale bulunamadı." in empty
    assert "No articles match" not in empty


def test_article_page_in_turkish(customer, library):
    article = library.public_tr
    url = reverse("kb:article", args=[article.language, article.slug])
    text = speaking(customer, "tr").get(url, {"from": "new-ticket"}).content.decode()
    for words in ("Bu makale faydalı oldu mu?", "Evet", "Hayır", "Yazdır", "Güncellenme:",
                  "Bu makale sorunuzu yanıtladı mı?", "Sorunum çözüldü",
                  "Hayır, hâlâ yardıma ihtiyacım var", "English"):
        assert words in text, words


def test_faq_in_turkish(customer, library):
    text = speaking(customer, "tr").get(reverse("kb:faq")).content.decode()
    assert "Sıkça sorulan sorular" in text
    assert "Makaleyi aç" in text


def test_editor_in_turkish(agent, library):
    client = speaking(agent, "tr")
    new = client.get(reverse("kb:desk_new")).content.decode()
    for words in ("Bilgi bankası", "Yeni makale", "Başlık", "Adres (kısa ad)",
                  "Kimler okuyabilir", "Herkes", "Giriş yapmış müşteriler",
                  "Yalnızca temsilciler", "Sıkça sorulan sorularda göster", "Kaydet"):
        assert words in new, words
    draft = library.draft
    edit = client.get(reverse("kb:desk_edit", args=[draft.pk])).content.decode()
    for words in ("Taslak", "İncelemeye gönder", "Yayımla", "Revizyonlar", "Çeviri ekle",
                  "Dosyalar ve görseller"):
        assert words in edit, words
    listing = client.get(reverse("kb:desk_articles")).content.decode()
    for words in ("Makaleler", "Tümü", "İnceleme bekliyor", "Yayımlandı", "Hedef kitle",
                  "Görüntülenme", "Rapor"):
        assert words in listing, words


def test_kb_api_errors_are_translated(customer):
    url = reverse("api:kb-article-detail", args=[999999])
    turkish = speaking(customer, "tr").get(url, HTTP_ACCEPT_LANGUAGE="tr")
    assert turkish.status_code == 404
    assert turkish.json()["error"]["message"] == "Makale bulunamadı."
    english = speaking(customer, "en").get(url)
    assert english.json()["error"]["message"] == "Article not found."
