"""The issue's scan: after an erasure, no field of any model and no stored file holds the
erased customer's personal data, while another customer's data is all still there."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.forms.models import model_to_dict
from rest_framework.authtoken.models import Token

from destek.accounts.models import Department, User
from destek.audit.models import Action, AuditEvent
from destek.kb.models import Article
from destek.livechat.models import ChatAttachment, ChatMessage, Conversation
from destek.mail.models import InboundEmail
from destek.notifications.models import OutboundEmail
from destek.privacy.erasure import erase_customer, placeholder_email
from destek.privacy.export_services import export_request
from destek.privacy.tests.scenario import Person, deliver_everything, person
from destek.tickets.models import Attachment, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=False)

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField,
               models.FileField, models.GenericIPAddressField)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def every_stored_text() -> Iterator[tuple[str, str]]:
    """(where, text) for every text-like field of every row of every concrete model, read
    through the ORM, then every stored file (media and the sent-mail copies)."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        names = [f.attname for f in fields]
        for row in model._default_manager.values_list("pk", *names).iterator():
            for name, value in zip(names, row[1:], strict=True):
                yield f"{model._meta.label}.{name}#{row[0]}", _as_text(value)
    for root in (Path(settings.MEDIA_ROOT), Path(settings.DESTEK_SENT_MAIL_DIR)):
        if root.exists():
            for path in root.rglob("*"):
                if path.is_file():
                    yield from _file_texts(path)


def _file_texts(path: Path) -> Iterator[tuple[str, str]]:
    """A file's bytes as text; a ZIP (a data export) member by member, since deflate hides
    its JSON from a byte search."""
    yield str(path), path.read_bytes().decode("utf-8", "replace")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member).decode("utf-8", "replace")


def find(needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for where, text in every_stored_text():
        lowered = text.lower()
        for needle in needles:
            if needle.lower() in lowered:
                found.setdefault(needle, []).append(where)
    return found


def snapshot(who: Person, *, other: Person) -> dict[str, Any]:
    """Every row that is the other customer's, field by field, and their files' bytes."""
    tickets = Ticket.objects.filter(customer=who.user)
    rows: dict[str, Any] = {
        "user": model_to_dict(User.objects.get(pk=who.user.pk)),
        "tickets": [model_to_dict(t, exclude=["tags"]) for t in tickets.order_by("pk")],
        "messages": list(Message.objects.filter(ticket__in=tickets).order_by("pk").values()),
        "events": list(TicketEvent.objects.filter(ticket__in=tickets).order_by("pk").values()),
        "attachments": [(a.original_name, a.file.read()) for a in
                        Attachment.objects.filter(ticket__in=tickets).order_by("pk")],
        "inbound": [(e.pk, e.from_address, e.subject, bytes(e.raw)) for e in
                    InboundEmail.objects.filter(ticket__in=tickets).order_by("pk")],
        "chat": list(Conversation.objects.filter(pk=who.chat.pk).values()),
        "chat_messages": list(ChatMessage.objects.filter(conversation=who.chat).values()),
        "chat_files": [a.file.read() for a in ChatAttachment.objects.filter(
            conversation=who.chat).order_by("pk")],
    }
    outbound = OutboundEmail.objects.filter(recipients__icontains=who.user.email).exclude(
        recipients__icontains=other.user.email)
    rows["outbound"] = sorted(
        (e.pk, e.subject, e.body_text, bytes(e.raw_message), e.status) for e in outbound)
    return rows


@pytest.fixture
def people(department: Department, agent: User,
           django_capture_on_commit_callbacks: Callable[..., Any]) -> tuple[Person, Person]:
    with django_capture_on_commit_callbacks(execute=True):
        erased = person(first="Zeynep", word="quokka", phone="+90 532 987 65 43",
                        department=department, agent=agent)
        kept = person(first="Bartholomew", word="wombat", phone="+90 555 111 22 33",
                      department=department, agent=agent, cc=(erased.user.email,
                                                               "colleague@partner.example"))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_everything()
    with django_capture_on_commit_callbacks(execute=True):  # each downloads their data
        for who in (erased, kept):
            export_request(actor=who.user, customer=who.user)
    return erased, kept


def test_every_field_and_file_forgets_the_erased_customer_and_keeps_the_other(
        people: tuple[Person, Person], agent: User,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    erased, kept = people
    admin = User.objects.create_superuser(email="root@support.example.com", password="x" * 12)
    before = find(erased.needles)
    # The scenario really put the data everywhere the scan looks.
    for expected in ("tickets.Ticket", "tickets.Message", "tickets.Attachment.original_name",
                     "mail.InboundEmail.raw", "notifications.OutboundEmail",
                     "livechat.Conversation", "livechat.ChatMessage", "audit.AuditEvent",
                     "kb.Vote", "kb.Deflection", "mail.EmailAddressStatus",
                     "account.EmailAddress", "admin.LogEntry", "accounts.User",
                     str(settings.MEDIA_ROOT), str(settings.DESTEK_SENT_MAIL_DIR), ".zip!"):
        assert any(expected in where for hits in before.values() for where in hits), expected
    kept_before = snapshot(kept, other=erased)
    ticket_count, message_count = Ticket.objects.count(), Message.objects.count()
    article = Article.objects.get(votes__user=erased.user)
    votes = (article.helpful_count, article.unhelpful_count, article.deflection_count)

    with django_capture_on_commit_callbacks(execute=True):
        erase_customer(erased.user, by=admin)

    assert find(erased.needles) == {}
    # The other customer is all there, byte for byte (the erased one's copy of a
    # notification and their place on the CC list excepted).
    kept_after = snapshot(kept, other=erased)
    for ticket in kept_before["tickets"]:
        ticket["cc_addresses"] = [cc for cc in ticket["cc_addresses"]
                                  if cc != erased.user.email]
    assert kept_after == kept_before
    assert set(find(kept.needles)) == set(kept.needles)
    # Statistics stay: rows, counters, SLA rows, votes.
    assert (Ticket.objects.count(), Message.objects.count()) == (ticket_count, message_count)
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count, article.deflection_count) == votes
    assert Ticket.objects.filter(customer=erased.user).count() == 2
    user = User.objects.get(pk=erased.user.pk)
    assert user.email == placeholder_email(user.pk) and not user.is_active
    assert not user.has_usable_password() and user.phone == ""
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Token.objects.filter(user=user).exists()
    assert not any(str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
                   for s in Session.objects.all())
    # Undelivered mail to them is never sent; the erasure is in the audit log, by id.
    assert not OutboundEmail.objects.filter(status="pending", ticket__customer=user).exists()
    event = AuditEvent.objects.get(action=Action.ERASED)
    assert event.actor == admin and event.target == f"user:{user.pk}"
    assert event.detail["tickets"] == 2 and event.detail["chats"] >= 1
