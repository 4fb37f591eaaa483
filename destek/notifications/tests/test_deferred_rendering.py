"""Ticket notifications are composed by the delivery worker, once, from ids the request wrote.

The request writes who is told what (a payload of ids) and a Message-ID; the first delivery
attempt composes the email and stores its bytes before talking to the mail server; every
later attempt sends exactly those bytes.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.utils import timezone

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import AssignmentMode
from destek.notifications import compose as compose_module
from destek.notifications import delivery, render
from destek.notifications.envelope import thread_id
from destek.notifications.models import OutboundEmail, OutboxStatus
from destek.notifications.tasks import deliver_outbox
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@dataclass
class RecordingTransport:
    errors: list[Exception] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)

    def send(self, *, outbox_id: int, from_email: str, recipients: list[str],
             raw: bytes) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(raw)


@pytest.fixture
def transport(monkeypatch) -> RecordingTransport:
    fake = RecordingTransport()
    monkeypatch.setattr(delivery, "current_transport", lambda: fake)
    return fake


def test_the_request_writes_ids_not_an_email(customer, department, monkeypatch):
    def no_composing(*args, **kwargs):
        raise AssertionError("composed in the request")

    monkeypatch.setattr(compose_module, "compose", no_composing)
    ticket = open_ticket(customer=customer, department=department, subject="Site is down")
    row = OutboundEmail.objects.get(ticket=ticket)
    assert row.needs_rendering and row.raw_bytes == b"" and row.subject == ""
    assert row.status == OutboxStatus.PENDING
    assert row.recipients == [customer.email]
    assert row.payload["key"] == "ticket_opened"
    assert row.payload["ticket"] == ticket.pk and row.payload["recipient"] == customer.pk
    # The Message-ID is fixed when the row is written: replies can thread on it at once.
    assert row.message_id == thread_id(ticket)


def test_first_attempt_renders_then_sends_the_stored_bytes(customer, agent, department,
                                                          transport):
    ticket = open_ticket(customer=customer, department=department, subject="Site is down")
    result = reply(ticket=ticket, author=agent, body="Restarted PHP-FPM.")
    row = OutboundEmail.objects.get(kind="agent_reply")
    written_id = row.message_id
    assert written_id.startswith("<") and written_id != thread_id(ticket)
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())

    assert deliver_outbox(row.pk) == "sent"
    row.refresh_from_db()
    assert row.rendered_at is not None and not row.needs_rendering
    assert row.status == OutboxStatus.SENT
    assert transport.sent == [row.raw_bytes]
    mime = message_from_bytes(row.raw_bytes, policy=policy.default)
    assert mime["Message-ID"] == written_id == row.message_id  # kept from the write
    assert mime["In-Reply-To"] == thread_id(ticket)
    assert row.subject == f"Re: [#{ticket.reference}] Site is down"
    assert "Restarted PHP-FPM." in row.body_text
    assert row.payload["message"] == result.message.pk


def test_a_retry_sends_exactly_the_first_rendering(customer, department, transport):
    ticket = open_ticket(customer=customer, department=department)
    row = OutboundEmail.objects.get(ticket=ticket)
    transport.errors = [smtplib.SMTPServerDisconnected("connection lost")]
    assert deliver_outbox(row.pk) == "retry"
    row.refresh_from_db()
    first = row.raw_bytes
    assert first and row.rendered_at is not None  # rendered before the failed attempt
    # Meanwhile the ticket changes; the email that goes out is still the one rendered first.
    Ticket.objects.filter(pk=ticket.pk).update(subject="Something else entirely")
    OutboundEmail.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert deliver_outbox(row.pk) == "sent"
    assert transport.sent == [first]


def test_a_crash_after_rendering_resends_the_same_bytes(customer, department, transport):
    ticket = open_ticket(customer=customer, department=department)
    row = OutboundEmail.objects.get(ticket=ticket)
    # A worker claims the row and renders it, then dies before sending.
    claimed = delivery.claim(row.pk)
    assert claimed is not None
    rendered = render.render_pending(claimed[0], claimed_at=claimed[1])
    assert rendered is not None
    stuck = timezone.now() - delivery.STUCK_AFTER - timedelta(seconds=1)
    OutboundEmail.objects.filter(pk=row.pk).update(claimed_at=stuck)
    assert row.pk in delivery.sweep()
    assert deliver_outbox(row.pk) == "sent"
    assert transport.sent == [rendered.raw_bytes]


def test_a_stale_claim_does_not_render(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    row = OutboundEmail.objects.get(ticket=ticket)
    claimed = delivery.claim(row.pk)
    assert claimed is not None
    # The sweeper gave the row to another attempt meanwhile.
    OutboundEmail.objects.filter(pk=row.pk).update(claimed_at=timezone.now())
    assert render.render_pending(claimed[0], claimed_at=claimed[1]) is None
    assert OutboundEmail.objects.get(pk=row.pk).needs_rendering


def test_a_deleted_ticket_fails_at_once(customer, department, transport):
    ticket = open_ticket(customer=customer, department=department)
    row = OutboundEmail.objects.get(ticket=ticket)
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert deliver_outbox(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and "deleted" in row.last_error
    assert transport.sent == []


def test_automatic_assignment_notice_uses_what_the_funnel_wrote(customer, department):
    """Opening a ticket in a round-robin department: the assignee's notification uses the
    audit event and message the funnel has at hand."""
    department.assignment_mode = AssignmentMode.ROUND_ROBIN
    department.save()
    agent = AgentFactory()
    MembershipFactory(department=department, agent=agent)
    ticket = open_ticket(customer=customer, department=department)
    assigned = OutboundEmail.objects.get(kind="agent_assigned")
    assert agent.email in assigned.recipients
    assert assigned.payload["message"] == ticket.messages.get().pk
    audit = ticket.events.get(kind="assignee")
    assert assigned.idempotency_key == f"assign-{audit.pk}-{agent.pk}"


def test_rendering_in_the_transaction_can_be_chosen(customer, department, settings):
    settings.DESTEK_RENDER_NOTIFICATIONS_IN_WORKER = False
    ticket = open_ticket(customer=customer, department=department, subject="Site is down")
    row = OutboundEmail.objects.get(ticket=ticket)
    assert not row.needs_rendering and row.rendered_at is not None
    assert row.subject == f"[#{ticket.reference}] Request received: Site is down"
    assert row.message_id == thread_id(ticket)


def test_one_task_message_per_transaction(customer, department, monkeypatch, settings,
                                          django_capture_on_commit_callbacks):
    from destek.notifications import outbox

    settings.DESTEK_OUTBOX_COALESCE = False  # coalesced wake-ups: test_wakeup.py
    sent: list[list[int]] = []
    monkeypatch.setattr(outbox, "enqueue_many", sent.append)
    department.assignment_mode = AssignmentMode.ROUND_ROBIN
    department.save()
    MembershipFactory(department=department, agent=AgentFactory())
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(customer=customer, department=department)
    rows = list(OutboundEmail.objects.filter(ticket=ticket).order_by("pk")
                .values_list("pk", flat=True))
    assert len(rows) == 2
    assert sent == [rows]  # the acknowledgement and the assignee's notice, one message


def test_the_rows_of_a_transaction_are_delivered_together(customer, department, transport,
                                                          django_assert_max_num_queries):
    """deliver_outbox_many claims the rows in one UPDATE and reads their notices together;
    each row is still rendered, sent and marked on its own, and a gone one fails alone."""
    from destek.notifications.tasks import deliver_outbox_many

    tickets = [open_ticket(customer=customer, department=department, subject=f"Issue {n}")
               for n in range(4)]
    rows = [OutboundEmail.objects.get(ticket=t).pk for t in tickets]
    Ticket.objects.filter(pk=tickets[1].pk).delete()
    assert deliver_outbox(rows[2]) == "sent"  # a duplicate task message finds it sent
    # claim and read back, 4 for the notices, 1 mailbox lookup, 1 for the brand (its name in
    # the text and in From), 1 for the sender's transport (an OAuth2 mailbox's provider, or
    # the relay), then 3 per row sent (its template, render, mark) and 1 for the gone one:
    # 2 + 4 + 1 + 1 + 1 + 3 + 3 + 1 = 16 (one at a time: 12 per row)
    with django_assert_max_num_queries(16):
        outcomes = deliver_outbox_many([rows[0], rows[1], rows[2], rows[3], rows[0]])
    assert outcomes == ["sent", "failed", "skipped", "sent"]
    assert len(transport.sent) == 3
    sent = dict(OutboundEmail.objects.filter(pk__in=rows).values_list("pk", "status"))
    assert sent == {rows[0]: OutboxStatus.SENT, rows[1]: OutboxStatus.FAILED,
                    rows[2]: OutboxStatus.SENT, rows[3]: OutboxStatus.SENT}
    assert b"Issue 3" in transport.sent[-1]
    assert deliver_outbox_many(rows) == ["skipped"] * 4
