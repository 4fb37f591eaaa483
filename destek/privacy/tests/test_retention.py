"""Retention rules: a dry run changes nothing and counts right; a real run removes exactly
what is older than each age, files included; empty ages keep forever; bounded queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destek.accounts.models import Department, User
from destek.audit.models import Action, AuditEvent
from destek.livechat.models import ChatAttachment, ChatMessage, Conversation, Side
from destek.livechat.services.conversations import chat_end, chat_start
from destek.livechat.services.messages import chat_attachment_create, chat_message_post
from destek.mail.models import InboundEmail, InboundState
from destek.mail.store import store_raw
from destek.privacy import retention_tasks
from destek.privacy.erasure_scrub import erased_subjects
from destek.privacy.retention import RetentionCounts, apply_retention, retention_policy_get
from destek.privacy.retention_models import RetentionPolicy
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Attachment, Message, Status, Ticket
from destek.tickets.uploads import InboundFile

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


class World:
    """Old and young things of each kind; `old`/`young` are their ids per kind."""

    def __init__(self, *, customer: User, department: Department, agent: User) -> None:
        self.customer, self.department, self.agent = customer, department, agent
        self.old: dict[str, list[int]] = {k: [] for k in asdict(RetentionCounts())}
        self.young: dict[str, list[int]] = {k: [] for k in asdict(RetentionCounts())}
        self.number = 0

    def add(self, *, age_days: int, young: bool) -> None:
        self.number += 1
        n, now = self.number, timezone.now()
        when = now - age_days * DAY
        target = self.young if young else self.old
        raw = f"Message-ID: <r{n}@x.example>\r\nFrom: a@x.example\r\n\r\nbody {n}\r\n".encode()
        email = store_raw(raw=raw, source="smtp").email
        InboundEmail.objects.filter(pk=email.pk).update(received_at=when,
                                                        state=InboundState.PROCESSED)
        target["raw_emails"].append(email.pk)
        ticket = open_ticket(customer=self.customer, department=self.department,
                             subject=f"Ticket {n}", body=f"Text {n}", attachments=(
                                 InboundFile(name="a.txt", content=f"file {n}".encode(),
                                             content_type="text/plain"),))
        Attachment.objects.filter(ticket=ticket).update(created_at=when)
        target["attachments"].extend(Attachment.objects.filter(ticket=ticket)
                                     .values_list("pk", flat=True))
        reply(ticket=ticket, author=self.agent, body=f"Answer {n}")
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, closed_at=when)
        target["closed_tickets"].append(ticket.pk)
        chat = chat_start(customer=None, name=f"Visitor {n}", email=f"v{n}@x.example",
                          topic="dns", department_id=self.department.pk, language="en")
        attachment = chat_attachment_create(conversation=chat, side=Side.VISITOR, file=InboundFile(
            name="c.txt", content=f"chat file {n}".encode(), content_type="text/plain"))
        chat_message_post(conversation_id=chat.pk, side=Side.VISITOR, body=f"Chat {n}",
                          attachment_id=attachment.pk)
        chat_end(conversation_id=chat.pk, side=Side.VISITOR)
        Conversation.objects.filter(pk=chat.pk).update(ended_at=when)
        target["chats"].append(chat.pk)


@pytest.fixture
def world(customer: User, department: Department, agent: User,
          django_capture_on_commit_callbacks: Callable[..., Any]) -> World:
    made = World(customer=customer, department=department, agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        made.add(age_days=400, young=True)  # younger than the 500-day rules below
        made.add(age_days=100, young=True)
    return made


def _policy(**ages: int | None) -> RetentionPolicy:
    policy = retention_policy_get()
    for field, value in ages.items():
        setattr(policy, field, value)
    policy.save()
    return policy


AGES = {"raw_email_days": 30, "attachment_days": 60, "chat_days": 10,
        "closed_ticket_days": 90}


def _state() -> tuple[Any, ...]:
    return (list(InboundEmail.objects.order_by("pk").values()),
            list(Attachment.objects.order_by("pk").values()),
            list(Ticket.objects.order_by("pk").values()),
            list(Message.objects.order_by("pk").values()),
            list(Conversation.objects.order_by("pk").values()),
            list(ChatMessage.objects.order_by("pk").values()),
            list(ChatAttachment.objects.order_by("pk").values()), _files())


def test_dry_run_counts_and_changes_nothing(world: World) -> None:
    for _n in range(3):
        world.add(age_days=365, young=False)
    policy = _policy(**AGES)
    before = _state()
    counts = apply_retention(policy, dry_run=True)
    # 3 old of each kind, plus the fixture's 400- and 100-day-old ones: every age is shorter.
    assert counts == RetentionCounts(raw_emails=5, attachments=5, chats=5, closed_tickets=5)
    assert _state() == before
    assert not AuditEvent.objects.filter(action=Action.RETENTION_RUN).exists()


def test_a_run_removes_exactly_what_is_older_than_each_age(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.add(age_days=20, young=True)
    policy = _policy(raw_email_days=500, attachment_days=500, chat_days=500,
                     closed_ticket_days=500)
    files_before = _files()
    with django_capture_on_commit_callbacks(execute=True):
        world.add(age_days=600, young=False)
        world.add(age_days=700, young=False)
    new_files = _files() - files_before
    assert len(new_files) == 4  # a ticket attachment and a chat file each

    with django_capture_on_commit_callbacks(execute=True):
        counts = apply_retention(policy, dry_run=False)

    assert counts == RetentionCounts(raw_emails=2, attachments=2, chats=2, closed_tickets=2)
    assert not InboundEmail.objects.filter(pk__in=world.old["raw_emails"]).exists()
    assert InboundEmail.objects.filter(pk__in=world.young["raw_emails"]).count() == 3
    assert not Attachment.objects.filter(pk__in=world.old["attachments"]).exists()
    assert Attachment.objects.filter(pk__in=world.young["attachments"]).count() == 3
    assert _files() == files_before  # the old ones' files (both kinds) are gone, no others
    old_chats = Conversation.objects.filter(pk__in=world.old["chats"])
    assert old_chats.count() == 2 and set(old_chats.values_list("visitor_email", flat=True)) \
        == {""}
    assert not ChatMessage.objects.filter(conversation__in=old_chats).exclude(body="").exists()
    young_chats = Conversation.objects.filter(pk__in=world.young["chats"])
    assert "" not in set(young_chats.values_list("visitor_email", flat=True))
    old_tickets = Ticket.objects.filter(pk__in=world.old["closed_tickets"])
    assert set(old_tickets.values_list("subject", flat=True)) <= set(erased_subjects())
    assert [t.message_count for t in old_tickets] == [2, 2]  # counters stay
    assert not Message.objects.filter(ticket__in=old_tickets, body_text__startswith="Text")\
        .exists()
    young_tickets = Ticket.objects.filter(pk__in=world.young["closed_tickets"])
    assert sorted(young_tickets.values_list("subject", flat=True)) == [
        "Ticket 1", "Ticket 2", "Ticket 3"]
    event = AuditEvent.objects.get(action=Action.RETENTION_RUN)
    assert event.detail == asdict(counts)
    policy.refresh_from_db()
    assert policy.last_run_at is not None
    # Running again finds nothing left to do.
    assert apply_retention(policy, dry_run=False) == RetentionCounts()


def test_empty_ages_keep_everything_forever(world: World) -> None:
    world.add(age_days=5000, young=True)
    before = _state()
    assert apply_retention(_policy(), dry_run=False) == RetentionCounts()
    assert _state() == before


def test_queries_do_not_grow_with_the_rows_in_a_batch(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    policy = _policy(**AGES)

    def queries_for(extra: int) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            for _n in range(extra):
                world.add(age_days=1000, young=False)
        with CaptureQueriesContext(connection) as captured:
            apply_retention(policy, dry_run=False)
        return len(captured.captured_queries)

    assert queries_for(1) == queries_for(4)


def test_the_beat_task_and_the_command(world: World) -> None:
    world.add(age_days=1000, young=False)
    _policy(**AGES)
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "Would remove:" in out.getvalue() and "Raw inbound emails: 3" in out.getvalue()
    assert InboundEmail.objects.count() == 3
    assert retention_tasks.apply_retention_rules() == {
        "raw_emails": 3, "attachments": 3, "chats": 3, "closed_tickets": 3}
    assert "privacy-retention" in settings.CELERY_BEAT_SCHEDULE
