"""parse_email on realistic messages (fixtures/README.md says where they come from)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from destek.mail.parsing import ParsedEmail, parse_email

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def parse(name: str) -> ParsedEmail:
    return parse_email((FIXTURES / name).read_bytes())


def test_turkish_iso_8859_9_subject_body_and_signature() -> None:
    mail = parse("turkish-iso-8859-9.eml")
    assert mail.subject == "Sunucu şifresi değişikliği: ĞÜŞİÖÇ ğüşıöç"
    assert mail.from_name == "Çağrı Öztürk"
    assert mail.from_address == "cagri@ozturkyazilim.com.tr"
    assert mail.to == ("destek@destek.example",)
    assert mail.message_id == "7f3c2b1e-4a5d-8e9f-0a1b-2c3d4e5f6a7b@ozturkyazilim.com.tr"
    assert mail.date == datetime(2024, 3, 12, 9, 41, 2, tzinfo=timezone(timedelta(hours=3)))
    assert "Işık Yılmaz adına açılmış hesapta" in mail.text
    assert "FTP bağlantısı hâlâ eski şifreyi" in mail.text
    assert mail.signature == "Çağrı Öztürk\nÖztürk Yazılım Ltd. Şti."
    assert "Öztürk Yazılım" not in mail.text
    assert mail.defects == ()


def test_turkish_windows_1254_8bit_body_and_b_encoded_headers() -> None:
    mail = parse("turkish-windows-1254.eml")
    assert mail.subject == "Fatura ödemesi yapıldı – İşlem no 4471"
    assert mail.from_name == "Gülşen Doğru"
    assert mail.from_address == "gulsen@dogrumuhasebe.com.tr"
    assert mail.cc == ("muhasebe@dogrumuhasebe.com.tr",)
    assert "askıya alınmaması için kaydın güncellenmesini" in mail.text
    assert mail.text.endswith("Saygılarımla,\nGülşen Doğru")
    assert mail.headers["cc"] == "Muhasebe İletişim <muhasebe@dogrumuhasebe.com.tr>"
    assert mail.date is not None and mail.date.utcoffset() == timedelta(0)


def test_gmail_reply_separates_turkish_and_english_quoted_history() -> None:
    mail = parse("gmail-reply-turkish.eml")
    assert mail.subject == "Re: [#T-100042] Veritabanı bağlantı hatası"
    assert mail.text == (
        "Merhaba,\n\nYedekten geri yükleme işe yaradı, site tekrar açıldı. Teşekkürler!\n\nAyşe"
    )
    assert mail.quoted_text.startswith("Pzt, 11 Mar 2024 16:20 tarihinde Destek")
    assert "> Dünkü yedekten geri yükleme yaptık" in mail.quoted_text
    assert "On Mon, 11 Mar 2024 at 10:02, Ayse Kaya" in mail.quoted_text
    assert mail.full_text.startswith(mail.text) and mail.quoted_text in mail.full_text
    assert 'class="gmail_quote"' in mail.html  # the HTML is kept as sent
    assert mail.in_reply_to == ("T-100042.1710163200@destek.example",)
    assert mail.references == (
        "CAH8yC8kq9d2Vx0=ayse@mail.gmail.com", "T-100042.1710163200@destek.example",
    )
    assert mail.from_address == "ayse.kaya@gmail.com"


def test_html_only_reply_gets_text_signature_and_quote_from_the_html() -> None:
    mail = parse("gmail-reply-html-only.eml")
    assert mail.text == "The DNS change worked, thanks."
    assert mail.signature == "Mehmet Demir\nDemir Hosting"
    assert mail.quoted_text.startswith("On Tue, Mar 12, 2024 at 9:00 AM Destek")
    assert "> Please point your A record to 203.0.113.10." in mail.quoted_text
    assert mail.html.startswith('<div dir="ltr">The DNS change worked')


def test_outlook_original_message_block_is_quoted_history() -> None:
    mail = parse("outlook-reply.eml")
    assert mail.subject == "RE: [#T-100077] VPS reboot"
    assert mail.text == (
        "Hi,\n\nThe VPS is back online, thank you. Could you also check why the nightly backup "
        "job failed?\n\nRegards,\nJohn"
    )
    assert mail.quoted_text.startswith("-----Original Message-----\nFrom: Destek Support")
    assert mail.quoted_text.endswith("We rebooted your VPS from the host node.")


def test_turkish_outlook_kimden_block_is_quoted_history() -> None:
    mail = parse("outlook-reply-turkish.eml")
    assert mail.subject == "YNT: [#T-100090] MX kaydı"
    assert mail.from_name == "Emre Aydın"
    assert mail.text == (
        "Merhaba,\n\nTeşekkürler, e-postalar artık geliyor.\n\nİyi çalışmalar,\nEmre"
    )
    assert mail.quoted_text.splitlines()[1] == "Kimden: Destek <destek@destek.example>"
    assert "MX kaydınızı düzelttik." in mail.quoted_text


def test_tnef_winmail_dat_is_unpacked_into_its_files() -> None:
    mail = parse("outlook-tnef.eml")
    assert mail.text == "Merhaba, istediğiniz dosyalar ekte.\n\nHakan"
    assert [a.filename for a in mail.attachments] == ["AUTHORS", "README"]
    assert [len(a.content) for a in mail.attachments] == [244, 893]
    assert all("winmail" not in a.filename for a in mail.attachments)
    assert mail.defects == ()


def test_exchange_out_of_office() -> None:
    mail = parse("exchange-out-of-office.eml")
    assert mail.is_auto_reply
    assert mail.auto_reply_reason == "Auto-Submitted: auto-replied"
    assert not mail.is_bounce


def test_gmail_vacation_responder() -> None:
    mail = parse("gmail-vacation.eml")
    assert mail.is_auto_reply
    assert mail.subject == "Tatildeyim - I am on holiday"


def test_turkish_automatic_reply_is_recognised_by_its_subject() -> None:
    mail = parse("turkish-otomatik-yanit.eml")
    assert mail.subject == "Otomatik yanıt: Alan adı yenileme"
    assert mail.is_auto_reply
    assert "out-of-office subject" in mail.auto_reply_reason
    assert mail.text.startswith("İzindeyim, 25 Mart'ta ofiste olacağım.")


def test_postfix_dsn_lists_only_failed_recipients() -> None:
    mail = parse("postfix-dsn.eml")
    assert mail.is_bounce
    assert mail.bounced_recipients == ("no-such-user@musteri.example",)  # not the delayed one
    assert mail.from_address == "mailer-daemon@mx1.destek.example"
    assert "could not\nbe delivered" in mail.text
    types = [a.content_type for a in mail.attachments]
    assert types == ["message/delivery-status", "text/rfc822-headers"]
    assert b"Action: failed" in mail.attachments[0].content


def test_inline_image_is_an_inline_attachment_with_its_content_id() -> None:
    mail = parse("inline-image.eml")
    assert mail.subject == "Hata ekran görüntüsü"
    assert mail.text == "Panelde bu hatayı alıyorum:"
    [image] = mail.attachments
    assert image.filename == "hata.png"
    assert image.content_type == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert image.content_id == "3F1A9C2E-0B4D-4E8F-9A1B-2C3D4E5F6A7B@arslanmimarlik.example"
    assert image.inline
    assert f"cid:{image.content_id}" in mail.html


def test_inline_forward_keeps_the_forwarded_text() -> None:
    mail = parse("forwarded-inline.eml")
    assert mail.text.startswith("Bu uyari dogru mu?")
    assert "---------- Forwarded message ---------" in mail.text
    assert "expires on 2024-04-01" in mail.text
    assert mail.quoted_text == ""


def test_forward_as_attachment_keeps_the_eml_and_shows_its_text() -> None:
    mail = parse("forwarded-attachment.eml")
    [eml] = mail.attachments
    assert eml.filename == "Disk quota warning.eml"
    assert eml.content_type == "message/rfc822"
    assert parse_email(eml.content).subject == "Disk quota warning"
    assert "Subject: Disk quota warning" in mail.text
    assert "uses 98% of its 10 GB disk quota" in mail.text


def test_smime_signature_part_is_kept_as_an_attachment() -> None:
    mail = parse("smime-signed.eml")
    assert mail.subject == "İmzalı talep"
    assert mail.text == "Merhaba, alan adı transfer kodunu iletebilir misiniz?\n\nDeniz Kaya"
    [signature] = mail.attachments
    assert (signature.filename, signature.content_type) == (
        "smime.p7s", "application/x-pkcs7-signature",
    )
    assert len(signature.content) == 512


def test_pgp_encrypted_content_is_kept_as_attachments() -> None:
    mail = parse("pgp-encrypted.eml")
    assert mail.text == ""
    assert [a.content_type for a in mail.attachments] == [
        "application/pgp-encrypted", "application/octet-stream",
    ]
    assert mail.attachments[1].content.startswith(b"-----BEGIN PGP MESSAGE-----")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_every_fixture_parses_cleanly(name: str) -> None:
    mail = parse(name)
    assert mail.size == (FIXTURES / name).stat().st_size
    assert mail.from_address and mail.message_id and mail.date is not None
    assert mail.date.tzinfo is not None and mail.date.astimezone(UTC)
    assert all(a.filename for a in mail.attachments)
