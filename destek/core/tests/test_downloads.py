"""Every kind of stored file leaves through destek.core.downloads with the same protective
headers: ticket attachments (desk, portal, API), KB attachments and live-chat files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from destek.accounts.models import User
from destek.conftest import login
from destek.kb.factories import make_article
from destek.kb.services.attachments import attachment_add
from destek.livechat.models import Side
from destek.livechat.services.conversations import chat_start
from destek.livechat.services.messages import chat_attachment_create
from destek.livechat.tokens import visitor_token
from destek.tickets.factories import open_ticket
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db


def assert_protected(response, *, inline: bool = False,  # type: ignore[no-untyped-def]
                     cache: str = "private, no-store") -> bytes:
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == "inline" if inline else disposition.startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == cache
    return b"".join(response.streaming_content)


def test_ticket_attachments_from_the_desk_the_portal_and_the_api(
        agent_client: Client, customer: User, department) -> None:  # type: ignore[no-untyped-def]
    ticket = open_ticket(customer=customer, department=department, attachments=(
        InboundFile(name="log.txt", content=b"error 500", content_type="text/plain"),))
    attachment = ticket.attachments.get()
    assert assert_protected(agent_client.get(
        reverse("desk:attachment", args=[attachment.pk]))) == b"error 500"
    portal = login(Client(), customer)
    assert assert_protected(portal.get(
        reverse("portal:attachment", args=[attachment.pk]))) == b"error 500"
    api = APIClient()
    api.force_authenticate(customer)
    assert assert_protected(api.get(
        reverse("api:attachment-download", args=[attachment.pk]))) == b"error 500"


def test_kb_attachments_downloads_and_inline_images(agent: User) -> None:
    article = make_article(title="Backups", body="How to restore.")
    doc = attachment_add(actor=agent, article=article, upload=SimpleUploadedFile(
        "guide.pdf", b"%PDF fake", content_type="application/pdf"))
    image = attachment_add(actor=agent, article=article, upload=SimpleUploadedFile(
        "shot.png", b"\x89PNG fake", content_type="image/png"))
    client = Client()
    assert assert_protected(client.get(reverse("kb:attachment", args=[doc.pk]))) == b"%PDF fake"
    assert_protected(client.get(reverse("kb:attachment", args=[image.pk])), inline=True,
                     cache="private, max-age=3600")


def test_chat_files_for_the_visitor_and_the_agent(agent_client: Client, department) -> None:  # type: ignore[no-untyped-def]
    chat = chat_start(customer=None, name="", email="v@example.com", topic="",
                      department_id=department.pk, language="en")
    stored = chat_attachment_create(conversation=chat, side=Side.VISITOR,
                                    file=InboundFile(name="note.txt", content=b"<script>"))
    visitor = Client().get(reverse("livechat:file", args=[stored.pk]),
                           {"token": visitor_token(chat.public_id)})
    assert assert_protected(visitor) == b"<script>"
    assert visitor["Content-Type"] == "application/octet-stream"
    agent = agent_client.get(reverse("livechat_desk:attachment", args=[stored.pk]))
    assert assert_protected(agent) == b"<script>"
