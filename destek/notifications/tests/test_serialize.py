"""Outbound bytes keep long Message-IDs and subjects on one line, so replies thread."""

from email import message_from_bytes, policy

from django.core.mail import EmailMessage

from destek.notifications.mime import wire_bytes as _serialize


def test_long_message_id_and_subject_survive_a_round_trip():
    message_id = "<t54000-u145100-4af6c21a1cb2488f5536.cafc54aabdc543ab@destek.localhost>"
    subject = "Ynt: [#T-154000] Sitemiz çalışmıyor, lütfen acil yardım edin, önemli bir konu"
    mime = EmailMessage(subject, "gövde", "destek@example.com", ["musteri@example.com"],
                        headers={"Message-ID": message_id}).message()
    raw = _serialize(mime)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == message_id
    assert parsed["Subject"] == subject
