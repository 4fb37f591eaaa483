"""Charset labels that lie (issue 13, fault 2): bodies, headers and file names.

Every message here is written for the purpose: real support-ticket sentences in each language,
encoded in the charset its writers' mail clients use, under a label that says otherwise.
"""

from __future__ import annotations

import base64
import io
import urllib.parse

import pytest

from destek.mail.doors.pipe import EX_OK, receive_from_pipe
from destek.mail.models import InboundEmail
from destek.mail.parsing import parse_email
from destek.mail.parsing.charsets import decode_bytes
from destek.mail.tasks import process_inbound_email

# (Python codec the text is written in, the text): two sentences each, as customers write them.
WRITTEN_IN = [
    ("gbk", "您好，我的网站从今天早上开始无法访问。请帮我检查一下服务器的状态，谢谢！"),
    ("gb2312", "发票已经收到了，但是域名续费失败。请问我应该怎么处理？"),
    ("big5", "您好，我的網站從今天早上開始無法訪問。請幫我檢查一下伺服器的狀態，謝謝！"),
    ("cp1254", "Merhaba, web sitem bu sabahtan beri açılmıyor. Lütfen sunucunun durumunu "
               "kontrol eder misiniz? Teşekkürler, Çağrı Öztürk"),
    ("iso-8859-9", "Faturamı ödedim ama alan adım hâlâ askıda görünüyor. Şikâyetimi "
                   "iletir misiniz?"),
    ("koi8-r", "Здравствуйте, мой сайт не открывается с сегодняшнего утра. Пожалуйста, "
               "проверьте состояние сервера."),
    ("cp1251", "Счёт оплачен, но домен всё ещё не продлён. Что мне делать?"),
    ("shift_jis", "こんにちは。今朝からウェブサイトにアクセスできません。サーバーの状態を"
                  "確認していただけますか。"),
    ("euc-kr", "안녕하세요. 오늘 아침부터 웹사이트에 접속할 수 없습니다. 서버 상태를 "
               "확인해 주시겠습니까?"),
    ("iso-8859-1", "Bonjour, mon site ne répond plus depuis ce matin. Pourriez-vous vérifier "
                   "le serveur ? Merci, Frédéric"),
    ("cp1252", "Grüße aus München: die Rechnung ist bezahlt, aber die Domain läuft "
               "weiterhin nicht."),
]


@pytest.mark.parametrize("label", ["utf-8", "us-ascii", ""])
@pytest.mark.parametrize(("codec", "text"), WRITTEN_IN, ids=[c for c, _ in WRITTEN_IN])
def test_text_labelled_wrongly_is_read_in_the_charset_it_was_written_in(
        codec: str, text: str, label: str) -> None:
    assert decode_bytes(text.encode(codec), declared=label) == text


@pytest.mark.parametrize(("codec", "text"), WRITTEN_IN, ids=[c for c, _ in WRITTEN_IN])
def test_a_true_label_is_still_honoured(codec: str, text: str) -> None:
    assert decode_bytes(text.encode(codec), declared=codec) == text


def test_latin1_label_with_windows_1252_quotes_is_not_read_as_c1_controls() -> None:
    data = "It’s down – again…".encode("cp1252")
    assert decode_bytes(data, declared="iso-8859-1") == "It’s down – again…"


def test_valid_utf8_under_a_single_byte_label_is_read_as_utf8() -> None:
    text = "Sunucu çöktü, şifre değişikliği"
    assert decode_bytes(text.encode("utf-8"), declared="iso-8859-9") == text


@pytest.mark.parametrize("text", ["服务器无法访问，请帮忙", "Здравствуйте, сервер",
                                  "Sunucu çöktü, şifre değişikliği"])
def test_utf8_cut_mid_character_stays_utf8(text: str) -> None:
    data = text.encode("utf-8")[:-1]  # a client truncated the subject inside the last character
    assert decode_bytes(data, declared="utf-8") == text[:-1]


def test_a_single_byte_name_ending_in_a_utf8_lead_byte_is_not_cut() -> None:
    assert decode_bytes("Ayhan Koç".encode("cp1254"), declared="utf-8") == "Ayhan Koç"


# ISO-2022-JP as Windows writes it (CP50220/CP50221): the NEC row 13 characters (①②③, №,
# ㈱) in the JIS X 0208 set, half-width katakana after ESC ( I. Python's codecs reject them.
_NEC_ROW_13 = b"\x1b$B-!-\"-#\x1b(B"  # ①②③
_NEC_NUMERO_KABU = b"\x1b$B-b-j\x1b(B"  # №㈱
_HALF_WIDTH_KANA = b"\x1b(I12\x1b(B"  # ｱｲ
JAPANESE = "サーバーが停止しました。"


def _cp50221_body() -> bytes:
    return (JAPANESE.encode("iso2022_jp") + b"\r\n" + _NEC_ROW_13 + b" " +
            "手順".encode("iso2022_jp") + b"\r\n" + _NEC_NUMERO_KABU + b" " +
            _HALF_WIDTH_KANA + b"\r\n")


def test_iso_2022_jp_with_nec_characters_is_decoded_not_left_as_escapes() -> None:
    text = decode_bytes(_cp50221_body(), declared="iso-2022-jp")
    assert text == f"{JAPANESE}\r\n①②③ 手順\r\n№㈱ ｱｲ\r\n"
    assert "\x1b" not in text


def test_iso_2022_jp_with_nec_selected_ibm_characters() -> None:
    # CP50221 rows 89-92 (Shift_JIS ED/EE): 纊 (JIS 0x7921) and 髙 (0x7C62, "ladder" taka)
    assert decode_bytes(b"\x1b$By!|b\x1b(B", declared="ISO-2022-JP") == "纊髙"


def test_iso_2022_jp_under_a_wrong_label_is_still_read() -> None:
    assert decode_bytes(_NEC_ROW_13 + JAPANESE.encode("iso2022_jp"), declared="utf-8") == (
        "①②③" + JAPANESE)


# Headers ----------------------------------------------------------------------------------------
def _message(headers: bytes, body: bytes, *, charset: str = "utf-8") -> bytes:
    return (b"To: support@destek.example\r\nMessage-ID: <c@example.org>\r\n" + headers +
            b"\r\nContent-Type: text/plain; charset=" + charset.encode() + b"\r\n\r\n" + body)


def test_raw_8bit_bytes_inside_and_beside_an_encoded_word_are_not_question_marks() -> None:
    raw = _message(b"From: =?iso-8859-1?Q?J=FCrgen_M\xfcller?= <j@example.de>\r\n"
                   b"Subject: =?iso-8859-1?Q?Fr=F6sche_und_Fr\xf6sche?= im Gr\xfcnen",
                   b"hallo\r\n", charset="us-ascii")
    mail = parse_email(raw)
    assert mail.subject == "Frösche und Frösche im Grünen"
    assert mail.from_name == "Jürgen Müller"


def test_utf8_bytes_inside_an_encoded_word_labelled_latin1() -> None:
    raw = _message(b"Subject: =?iso-8859-1?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=", b"x")
    assert parse_email(raw).subject == "Grüße aus München"


@pytest.mark.parametrize(("codec", "subject", "name"), [
    ("cp1254", "Şikâyet: sunucu çöktü", "Çağrı Öztürk"),
    ("gb2312", "服务器无法访问", "王小明"),
    ("koi8-r", "Сервер не работает", "Иван Петров"),
    ("shift_jis", "サーバー障害のお知らせ", "山田太郎"),
])
def test_unencoded_8bit_headers_are_read_in_the_body_charset(codec: str, subject: str,
                                                              name: str) -> None:
    raw = _message(b"From: " + name.encode(codec) + b" <c@example.org>\r\nSubject: " +
                   subject.encode(codec), "…".encode(codec, "replace"), charset=codec)
    mail = parse_email(raw)
    assert (mail.subject, mail.from_name) == (subject, name)


def test_unencoded_utf8_headers_win_over_the_body_charset() -> None:
    raw = _message("Subject: Sunucu çöktü".encode(), b"x", charset="iso-8859-9")
    assert parse_email(raw).subject == "Sunucu çöktü"


def test_iso_2022_jp_encoded_word_with_nec_characters() -> None:
    word = base64.b64encode(_NEC_ROW_13 + "確認".encode("iso2022_jp")).decode()
    raw = _message(f"Subject: =?ISO-2022-JP?B?{word}?=".encode(), b"x")
    assert parse_email(raw).subject == "①②③確認"


# File names --------------------------------------------------------------------------------------
def _with_attachments(*headers: bytes, charset: str = "utf-8") -> bytes:
    parts = b"".join(
        b"--b\r\n" + (b"" if header.startswith(b"Content-Type") else
                      b"Content-Type: application/pdf\r\n") + header +
        b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" for header in headers)
    return (b"From: c@example.org\r\nTo: support@destek.example\r\nSubject: files\r\n"
            b"Message-ID: <files@example.org>\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; "
            b"charset=" + charset.encode() + b"\r\n\r\nsee attached\r\n" + parts + b"--b--\r\n")


def _rfc2231(name: str, codec: str, *, label: str) -> bytes:
    quoted = urllib.parse.quote_from_bytes(name.encode(codec))
    return f"Content-Disposition: attachment; filename*={label}''{quoted}".encode()


def test_file_names_in_every_form_and_charset() -> None:
    raw = _with_attachments(
        _rfc2231("发票_2026年12月.pdf", "gbk", label="utf-8"),  # a lying RFC 2231 label
        _rfc2231("Sözleşme.pdf", "utf-8", label="utf-8"),
        b"Content-Disposition: attachment; filename*0*=iso-8859-9''%DE; "
        b"filename*1=ikayet.pdf",  # RFC 2231 continuations
        b"Content-Disposition: attachment; filename=\"=?utf-8?B?" +
        base64.b64encode("Teşekkür ①.pdf".encode()) + b"?=\"",  # RFC 2047 (against the rules)
        b"Content-Disposition: attachment; filename=\"Fatura_" +
        "Çağrı Öztürk.pdf".encode("cp1254") + b"\"",  # raw 8-bit in the body's charset
        b"Content-Disposition: attachment; filename=\"" + "Счёт.pdf".encode() + b"\"",
        charset="windows-1254",
    )
    names = [attachment.filename for attachment in parse_email(raw).attachments]
    assert names == ["发票_2026年12月.pdf", "Sözleşme.pdf", "Şikayet.pdf", "Teşekkür ①.pdf",
                     "Fatura_Çağrı Öztürk.pdf", "Счёт.pdf"]


def test_a_name_parameter_of_content_type_is_used_without_a_disposition() -> None:
    raw = _with_attachments(b"Content-Type: application/pdf; name*=gb2312''" +
                            urllib.parse.quote_from_bytes("合同.pdf".encode("gb2312")).encode())
    assert [a.filename for a in parse_email(raw).attachments] == ["合同.pdf"]


# Through the pipe door and the processing task -------------------------------------------------
def _pipe_and_process(raw: bytes) -> InboundEmail:
    result = receive_from_pipe(stream=io.BytesIO(raw))
    assert result.exit_code == EX_OK
    row = InboundEmail.objects.get()
    process_inbound_email(row.pk)
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_pipeline_gbk_body_labelled_utf8_with_8bit_subject_and_gbk_file_name(mailbox) -> None:
    codec, text = WRITTEN_IN[0]
    raw = (b"From: " + "张伟".encode(codec) + b" <zhang@example.cn>\r\n"
           b"To: support@destek.example\r\nMessage-ID: <gbk-1@example.cn>\r\n"
           b"Subject: " + "网站无法访问".encode(codec) + b"\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode(codec) + b"\r\n" +
           b"--b\r\nContent-Type: application/pdf\r\n" +
           _rfc2231("发票.pdf", codec, label="utf-8") +
           b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n")
    row = _pipe_and_process(raw)
    message = row.ticket_message
    assert row.ticket.subject == "网站无法访问"
    assert text in message.body_text
    assert row.ticket.customer.full_name == "张伟"
    assert [a.original_name for a in message.attachments.all()] == ["发票.pdf"]


@pytest.mark.django_db
def test_pipeline_iso_2022_jp_with_nec_characters(mailbox) -> None:
    subject = base64.b64encode(_NEC_ROW_13 + "障害".encode("iso2022_jp")).decode()
    raw = (b"From: yamada@example.jp\r\nTo: support@destek.example\r\n"
           b"Message-ID: <jis-1@example.jp>\r\nSubject: =?ISO-2022-JP?B?" + subject.encode() +
           b"?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"
           b"Content-Transfer-Encoding: 7bit\r\n\r\n" + _cp50221_body())
    row = _pipe_and_process(raw)
    assert row.ticket.subject == "①②③障害"
    body = row.ticket_message.body_text
    assert "①②③ 手順" in body and "№㈱" in body and JAPANESE in body
    assert "\x1b" not in body and "$B" not in body


@pytest.mark.django_db
def test_pipeline_raw_8bit_in_an_encoded_word(mailbox) -> None:
    raw = _message(b"From: =?iso-8859-1?Q?J=FCrgen_M\xfcller?= <j@example.de>\r\n"
                   b"Subject: =?iso-8859-1?Q?Fr=F6sche_und_Fr\xf6sche?=",
                   "Die Rechnung für März ist bezahlt.".encode("cp1252"), charset="utf-8")
    row = _pipe_and_process(raw)
    assert row.ticket.subject == "Frösche und Frösche"
    assert row.ticket.customer.full_name == "Jürgen Müller"
    assert "für März" in row.ticket_message.body_text
