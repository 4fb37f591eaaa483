"""Pages, emails and API errors come out in the reader's language, and the choice sticks."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from destek.accounts.models import User
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority

pytestmark = pytest.mark.django_db

NEW_TICKET = reverse("portal:ticket_new")
QUEUE = reverse("desk:queue")


def speaking(user: User, language: str) -> Client:
    """A fresh browser (no language cookie) signed in as `user`, whose account says `language`."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_portal_new_ticket_page_in_turkish(customer, department):
    text = speaking(customer, "tr").get(NEW_TICKET).content.decode()
    assert '<html lang="tr">' in text
    for words in ("Yeni talep oluştur", "Taleplerim", "Departman", "Öncelik", "Konu",
                  "Açıklama", "Talebi oluştur", "isteğe bağlı", "Teknik destek", "Yüksek",
                  "Çıkış yap"):
        assert words in text, words
    assert "Open a new ticket" not in text


def test_portal_new_ticket_page_in_english(customer, department):
    text = speaking(customer, "en").get(NEW_TICKET).content.decode()
    assert '<html lang="en">' in text
    for words in ("Open a new ticket", "My tickets", "Department", "Priority", "Subject",
                  "Description", "Open ticket", "optional", "Technical support", "High"):
        assert words in text, words
    assert "Yeni talep" not in text


def test_desk_queue_in_turkish(agent, customer, department):
    open_ticket(customer=customer, department=department, subject="Site çöktü",
                priority=Priority.HIGH)
    text = speaking(agent, "tr").get(QUEUE, {"queue": "all"}).content.decode()
    for words in ("Talepler", "Bana atananlar", "Atanmamış", "Filtrele", "Müşteri",
                  "Öncelik", "Yüksek", "Yeni", "Teknik destek", "Temsilci paneli", "Müsait"):
        assert words in text, words
    assert "Unassigned" not in text


def test_desk_queue_in_english(agent, customer, department):
    open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    text = speaking(agent, "en").get(QUEUE, {"queue": "all"}).content.decode()
    for words in ("Tickets", "Mine", "Unassigned", "Filter", "Customer", "High", "New",
                  "Technical support", "Available"):
        assert words in text, words
    assert "Atanmamış" not in text


def test_desk_ticket_page_in_turkish(agent, customer, department):
    ticket = open_ticket(customer=customer, department=department)
    text = speaking(agent, "tr").get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    for words in ("İç not (müşteriye gönderilmez)", "Yanıtı gönder", "Geçmiş", "Talep açıldı",
                  "Birleştir", "Değişiklikleri kaydet"):
        assert words in text, words


@pytest.mark.parametrize(("language", "subject", "words"), [
    ("tr", "Talebiniz alındı", ["Merhaba", "Departman: Teknik destek", "Öncelik: Yüksek"]),
    ("en", "Request received", ["Hello", "Department: Technical support", "Priority: High"]),
])
def test_ticket_opened_email_follows_the_customer_language(
    customer, department, settings, language, subject, words
):
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    customer.language = language
    customer.save(update_fields=["language"])
    open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    render_outbox()  # notifications are composed by the delivery worker
    [email] = [row for row in OutboundEmail.objects.all() if customer.email in row.recipients]
    assert subject in email.subject
    for word in words:
        assert word in email.body_text, word


def test_api_errors_are_translated(customer):
    client = speaking(customer, "tr")
    response = client.get(reverse("api:ticket-detail", args=[999999]),
                          HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Talep bulunamadı."
    english = speaking(customer, "en").get(reverse("api:ticket-detail", args=[999999]))
    assert english.json()["error"]["message"] == "Ticket not found."


def test_not_found_page_is_translated(customer, settings):
    settings.DEBUG = False
    response = speaking(customer, "tr").get("/portal/no-such-page/")
    assert response.status_code == 404
    assert "Sayfa bulunamadı" in response.content.decode()


# --- switching ----------------------------------------------------------------------------------

def switch(client: Client, language: str, next_url: str = NEW_TICKET):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_customer_switches_language_and_the_choice_persists(customer, department):
    client = speaking(customer, "en")
    assert "Open a new ticket" in client.get(NEW_TICKET).content.decode()

    response = switch(client, "tr")
    assert response.status_code == 302
    assert response.url == NEW_TICKET
    assert "Yeni talep oluştur" in client.get(response.url).content.decode()
    customer.refresh_from_db()
    assert customer.language == "tr"  # emails follow the choice too

    # Another browser, or this one after the session cookie is gone: the account remembers.
    later = Client()
    later.force_login(customer)
    assert "Yeni talep oluştur" in later.get(NEW_TICKET).content.decode()

    switch(later, "en")
    assert "Open a new ticket" in later.get(NEW_TICKET).content.decode()
    customer.refresh_from_db()
    assert customer.language == "en"


def test_the_language_cookie_outlives_the_browser_session(client):
    response = switch(client, "tr", next_url=reverse("account_login"))
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "tr"
    assert cookie["max-age"], "a session cookie would forget a visitor's choice"
    assert "Giriş" in client.get(reverse("account_login")).content.decode()


def test_an_unknown_language_changes_nothing(customer):
    client = speaking(customer, "tr")
    switch(client, "xx")
    customer.refresh_from_db()
    assert customer.language == "tr"
    assert "Yeni talep oluştur" in client.get(NEW_TICKET).content.decode()


def test_the_switch_form_is_on_every_page(customer, department):
    text = speaking(customer, "tr").get(NEW_TICKET).content.decode()
    assert f'action="{reverse("set_language")}"' in text
    assert '<option value="tr" selected>Türkçe</option>' in " ".join(text.split())


def _language_next(html: str) -> str:
    form = html[html.index('data-testid="language-form"'):]
    return re.search(r'name="next" type="hidden" value="([^"]*)"', form).group(1)


def test_switching_on_a_page_that_answered_a_post_lands_on_a_readable_page(customer, department):
    """A reply with errors is shown at the POST-only reply URL; the switch must not go there."""
    client = speaking(customer, "en")
    ticket = open_ticket(customer=customer, department=department)
    failed = client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": ""})
    assert failed.status_code == 400
    target = _language_next(failed.content.decode())
    assert target == reverse("portal:ticket_detail", args=[ticket.pk])
    response = switch(client, "tr", next_url=target)
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Yanıtı gönder" in page.content.decode()


def test_switching_on_a_guest_page_after_a_failed_reply_stays_on_the_guest_page(customer,
                                                                                 department):
    ticket = open_ticket(customer=customer, department=department)
    token = guest_token_for(ticket)
    guest = Client()
    failed = guest.post(reverse("portal:guest_reply", args=[token]), {"body": ""})
    assert failed.status_code == 400
    target = _language_next(failed.content.decode())
    assert target == reverse("portal:guest_ticket", args=[token])
    page = guest.get(switch(guest, "tr", next_url=target).url)
    assert page.status_code == 200
    assert "Yanıtı gönder" in page.content.decode()


def test_switching_on_the_desk_after_a_failed_reply_stays_on_the_ticket(agent, customer,
                                                                        department):
    ticket = open_ticket(customer=customer, department=department)
    failed = speaking(agent, "en").post(reverse("desk:reply", args=[ticket.pk]), {"body": ""})
    assert failed.status_code == 400
    assert _language_next(failed.content.decode()) == reverse("desk:ticket", args=[ticket.pk])


def test_switching_after_a_refused_new_ticket_stays_on_the_form(customer, department):
    failed = speaking(customer, "en").post(NEW_TICKET, {"subject": ""})
    assert failed.status_code == 400
    assert _language_next(failed.content.decode()) == NEW_TICKET
