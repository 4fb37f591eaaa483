"""The one entry point for notifications: bounce suppression, worker rendering, typed values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from destek.mail.models import EmailAddressStatus
from destek.notifications import values
from destek.notifications.compose import AddressNotice, Notice
from destek.notifications.models import OutboundEmail
from destek.notifications.notify import notify, notify_address
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_typed_values_survive_json_and_render_in_the_recipients_language() -> None:
    due = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    extra = {"due_at": due, "metric": values.Translated("Resolution"),
             "target": values.Duration(90), "hours": values.Duration(120), "plain": "x",
             "none": None, "flag": True}
    decoded = values.decode(values.encode(extra))
    assert decoded["due_at"] == due and decoded["plain"] == "x" and decoded["flag"] is True
    assert decoded["none"] is None
    assert str(decoded["target"]) == "90 minutes" and str(decoded["hours"]) == "2 hours"
    assert str(values.Duration(None)) == ""
    with translation.override("tr"):
        assert str(decoded["metric"]) != "Resolution"  # translated when rendered


def test_a_lazy_label_keeps_its_message_id_whatever_the_active_language() -> None:
    from django.utils.translation import gettext_lazy

    with translation.override("tr"):
        assert values.Translated.of(gettext_lazy("Resolution")).msgid == "Resolution"


def test_a_bouncing_recipient_gets_nothing_and_bouncing_ccs_are_dropped(customer, department,
                                                                        agent) -> None:
    ticket = open_ticket(customer=customer, department=department)
    EmailAddressStatus.objects.create(address=agent.email.lower(), bouncing=True)
    EmailAddressStatus.objects.create(address="gone@example.com", bouncing=True)
    notice = Notice(key="agent_assigned", recipient=agent, ticket=ticket, url="https://x/")
    assert notify(notice=notice, idempotency_key="bounced") is None
    notice = Notice(key="agent_reply", recipient=customer, ticket=ticket, url="https://x/",
                    cc=["gone@example.com", "ok@example.com"])
    row = notify(notice=notice, idempotency_key="cc")
    assert row is not None and row.recipients == [customer.email, "ok@example.com"]


def test_an_address_notice_is_rendered_by_the_worker_unless_it_bounces(customer,
                                                                      department) -> None:
    ticket = open_ticket(customer=customer, department=department)
    context = {"recipient_name": "Ayşe", "lines": ["[10:00] Ayşe: Selam"],
               "started_at": "2026-12-07 10:00", "site_name": "Destek"}
    notice = AddressNotice(key="chat_transcript", to=["ayse@example.com"], language="en",
                           context=context, headers={"Auto-Submitted": "auto-generated"},
                           ticket=ticket)
    row = notify_address(notice=notice, kind="chat_transcript", idempotency_key="t1")
    assert row is not None and row.needs_rendering and row.ticket_id == ticket.pk
    render_outbox()
    row = OutboundEmail.objects.get(pk=row.pk)
    assert "Selam" in row.body_text and row.headers["Auto-Submitted"] == "auto-generated"
    assert row.recipients == ["ayse@example.com"]
    EmailAddressStatus.objects.create(address="gone@example.com", bouncing=True)
    gone = AddressNotice(key="chat_transcript", to=["gone@example.com"], language="en",
                         context=context)
    assert notify_address(notice=gone, kind="chat_transcript", idempotency_key="t2") is None


def test_a_customer_who_turned_ticket_emails_off_gets_none_staff_alerts_stay(
        customer, agent, department) -> None:  # type: ignore[no-untyped-def]
    """The one place recipients are dropped: every ticket notice to such a customer (ticket
    opened, replies, SLA progress updates…), never an agent's alert."""
    ticket = open_ticket(customer=customer, department=department)
    customer.email_notifications = False
    agent.email_notifications = False
    for key in ("agent_reply", "sla_progress_update"):
        assert notify(notice=Notice(key=key, recipient=customer, ticket=ticket, url="/"),
                      idempotency_key=f"off-{key}") is None
    assert notify(notice=Notice(key="agent_assigned", recipient=agent, ticket=ticket, url="/"),
                  idempotency_key="agent-alert") is not None
    customer.email_notifications = True
    assert notify(notice=Notice(key="agent_reply", recipient=customer, ticket=ticket, url="/"),
                  idempotency_key="on-again") is not None
