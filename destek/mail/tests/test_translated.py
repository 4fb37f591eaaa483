"""The email channel speaks Turkish: the admin screens for a Turkish admin, and the polite
reply to an unknown sender in the sender's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from destek.accounts.models import User
from destek.mail.models import InboundState, SenderPolicy
from destek.mail.tests.processing_helpers import parsed
from destek.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


def admin_speaking(language: str) -> Client:
    admin = User.objects.create_superuser("root@destek.example", "pw")
    admin.language = language
    admin.save(update_fields=["language"])
    client = Client()
    client.force_login(admin)
    return client


def test_inbound_mail_admin_in_turkish(feeder, mailbox):
    _outcome, row = feeder.feed(parsed(from_address="stranger@example.net"))
    row.state = InboundState.QUARANTINED
    row.save(update_fields=["state"])
    client = admin_speaking("tr")
    listing = client.get(reverse("admin:mail_inboundemail_changelist")).content.decode()
    for words in ("Gelen e-postalar", "Karantinada", "Yeniden işle", "Posta kutusu", "Kaynak",
                  "Deneme sayısı", "SMTP alıcı sunucusu", "E-posta kanalı"):
        assert words in listing, words
    assert "Quarantined" not in listing
    detail = client.get(reverse("admin:mail_inboundemail_change", args=[row.pk])).content.decode()
    for words in (".eml olarak indir", "Tekilleştirme anahtarı", "Zarf alıcıları", "Ham ileti"):
        assert words in detail, words


def test_mailbox_admin_in_turkish(mailbox):
    page = admin_speaking("tr").get(reverse("admin:mail_mailbox_change", args=[mailbox.pk]))
    text = page.content.decode()
    for words in ("Bilinmeyen gönderenler", "Yalnızca kayıtlı müşteriler (diğerlerine kibar bir "
                  "yanıt gönder)", "IMAP ile posta çekme (isteğe bağlı)",
                  "Mevcut parolayı korumak için boş bırakın.", "Gönderen adı", "İmza",
                  "Son IMAP hatası"):
        assert words in text, words
    assert "Leave empty to keep the current password." not in text


def test_mailbox_admin_in_english(mailbox):
    text = admin_speaking("en").get(
        reverse("admin:mail_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "Leave empty to keep the current password." in text
    assert "IMAP ile posta" not in text


@pytest.mark.parametrize(("text", "subject", "words"), [
    ("Merhaba, sitem açılmıyor. Yardımcı olur musunuz?", "Ynt: Website",
     ["Merhaba,", "mesaj için teşekkür ederiz", "stranger@example.net",
      "otomatik bir yanıttır", "/tickets/new/"]),
    ("Hello, my site is down. Can you help?", "Re: Website",
     ["Hello,", "Thank you for your message", "stranger@example.net", "automatic reply",
      "/tickets/new/"]),
])
def test_the_polite_reject_reply_follows_the_sender_language(feeder, mailbox, text, subject,
                                                             words):
    mailbox.sender_policy = SenderPolicy.REJECT
    mailbox.save()
    feeder.feed(parsed(from_address="stranger@example.net", subject="Website", text=text))
    [answer] = OutboundEmail.objects.filter(kind="mail_rejected")
    assert answer.subject == subject
    for word in words:
        assert word in answer.body_text, word
    assert "&" not in answer.body_text  # plain text: nothing HTML-escaped
