"""Asking once: "How did we do?" is emailed when a ticket is resolved, with or without a
reply, exactly once per ticket, through the outbox, with one signed link per answer."""

from __future__ import annotations

import pytest
from django.utils import translation

from destek.accounts.factories import CustomerFactory
from destek.feedback.models import FeedbackSettings, RatingScale, RatingSource
from destek.feedback.ratings import rating_record
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Status
from destek.tickets.services.changes import ticket_set_status_by_customer, ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox_backend(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
    settings.DESTEK_EMAIL_URL = ""


def surveys() -> list[OutboundEmail]:
    render_outbox()
    return list(OutboundEmail.objects.filter(kind="csat_survey").order_by("id"))


def test_resolved_without_a_reply_asks_once_with_three_links(ticket, agent, customer):
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    [email] = surveys()
    assert email.recipients == [customer.email]
    assert email.idempotency_key == f"csat-ticket-{ticket.pk}"
    assert "How did we do?" in email.subject
    assert email.body_text.count("/portal/rate/") == 3
    assert "Good: " in email.body_text and "Bad: " in email.body_text
    # The "resolved" email still goes, with its reopen link.
    assert OutboundEmail.objects.filter(kind="ticket_resolved").count() == 1


def test_resolved_with_a_reply_asks_too(ticket, agent):
    reply(ticket=ticket, author=agent, body="Fixed.", new_status=Status.RESOLVED)
    assert len(surveys()) == 1


def test_resolved_with_an_internal_note_asks(ticket, agent):
    reply(ticket=ticket, author=agent, body="restarted", internal=True,
          new_status=Status.RESOLVED)
    assert len(surveys()) == 1


def test_resolve_twice_or_reopen_and_resolve_asks_only_once(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    ticket_update(actor=agent, ticket=ticket, status=Status.CLOSED)
    ticket_update(actor=agent, ticket=ticket, status=Status.OPEN)
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    assert len(surveys()) == 1


def test_not_asked_when_the_customer_closes_it(ticket, customer):
    ticket_set_status_by_customer(actor=customer, ticket=ticket, status=Status.CLOSED)
    assert surveys() == []


def test_not_asked_when_already_rated(ticket, agent, customer):
    rating_record(ticket=ticket, customer=customer, score=5, scale=RatingScale.THREE,
                  source=RatingSource.PORTAL)
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    assert surveys() == []


def test_five_point_scale_in_turkish(department, agent):
    FeedbackSettings.objects.create(scale=RatingScale.FIVE, link_valid_days=10)
    tr_customer = CustomerFactory(full_name="Ayşe", language="tr")
    ticket = open_ticket(customer=tr_customer, department=department, subject="E-posta")
    ticket_update(actor=agent, ticket=ticket, status=Status.RESOLVED)
    [email] = surveys()
    assert "Nasıl yardımcı olduk?" in email.subject
    assert email.body_text.count("/portal/rate/") == 5
    assert "5 üzerinden 4 yıldız" in email.body_text and "10 gün" in email.body_text
    assert translation.get_language() == "en"
