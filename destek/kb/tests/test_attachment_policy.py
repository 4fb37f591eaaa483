"""The knowledge base editor follows the one upload rule (destek/tickets/activecontent.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from destek.core.errors import ApplicationError
from destek.kb.factories import make_article
from destek.kb.services.attachments import attachment_add

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
PE = b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00" + b"\x4c\x01"


@pytest.mark.django_db
def test_office_files_are_kept_and_active_content_refused(agent) -> None:
    article = make_article(title="Backups", body="How to restore.")
    sheet = attachment_add(actor=agent, article=article, upload=SimpleUploadedFile(
        "prices.xls", OLE, content_type="application/vnd.ms-excel"))
    assert sheet.content_type == "application/vnd.ms-excel"
    for name, content, declared in [
            ("diagram.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
            ("guide.pdf", PE, "application/pdf"),
            ("tool.exe", b"data", "application/octet-stream")]:
        with pytest.raises(ApplicationError):
            attachment_add(actor=agent, article=article, upload=SimpleUploadedFile(
                name, content, content_type=declared))
