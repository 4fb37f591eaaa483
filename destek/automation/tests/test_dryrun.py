"""The dry run: a new rule lists the recent tickets it would have matched (newest first,
within the window, at most `limit`) and what it would have done, in a fixed number of
queries, writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destek.automation import engine
from destek.automation.dryrun import preview
from destek.automation.models import TriggerEvent
from destek.core.errors import ApplicationError
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Channel, Priority, Ticket, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db

URGENT = {"words_any": ["sitem açılmıyor", "site down"]}
RAISE = {"priority": Priority.CRITICAL}


def test_a_new_rule_lists_the_recent_tickets_it_would_have_matched(customer, department):
    down = open_ticket(customer=customer, department=department, subject="Yardım",
                       body="Sitem AÇILMIYOR!")
    invoice = open_ticket(customer=customer, department=department, subject="Invoice",
                          body="Where is my invoice?")
    english = open_ticket(customer=customer, department=department, subject="Site down",
                          body="Since 9am")
    old = open_ticket(customer=customer, department=department, subject="Site down",
                      body="Long ago")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    events_before = TicketEvent.objects.count()

    result = preview(event=TriggerEvent.TICKET_CREATED, conditions=URGENT, actions=RAISE)

    assert [m.ticket.pk for m in result.matches] == [english.pk, down.pk]  # newest first
    assert result.scanned == 3  # the 40-day-old one is outside the 30 days
    assert result.matches[1].message is not None
    assert "AÇILMIYOR" in result.matches[1].message.body_text
    assert result.would_do == list(engine.actions_module().describe(RAISE))
    assert result.would_do
    # Nothing was written.
    assert TicketEvent.objects.count() == events_before
    assert Ticket.objects.get(pk=down.pk).priority == Priority.NORMAL
    assert invoice.pk not in [m.ticket.pk for m in result.matches]


def test_replies_are_judged_by_the_latest_customer_message(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department, subject="Question",
                         body="How do I add a mailbox?")
    reply(ticket=ticket, author=agent, body="Like this: site down is not what you have")
    assert not preview(event=TriggerEvent.CUSTOMER_REPLIED, conditions=URGENT,
                       actions=RAISE).matches
    reply(ticket=ticket, author=customer, body="Now my site down!", channel=Channel.PORTAL)
    [match] = preview(event=TriggerEvent.CUSTOMER_REPLIED, conditions=URGENT,
                      actions=RAISE).matches
    assert match.ticket.pk == ticket.pk and match.message.body_text == "Now my site down!"


def test_limit_and_days_bound_the_scan(customer, department):
    for n in range(5):
        open_ticket(customer=customer, department=department, subject=f"Site down {n}")
    result = preview(event=TriggerEvent.TICKET_CREATED, conditions=URGENT, actions=RAISE,
                     limit=3)
    assert result.scanned == 3
    assert [m.ticket.subject for m in result.matches] == ["Site down 4", "Site down 3",
                                                          "Site down 2"]


def test_the_query_count_does_not_grow_with_the_tickets(customer, department, agent):
    conditions = {**URGENT, "tags_none": ["spam"], "tiers": ["standard"],
                  "business_hours": "in", "sender_domains": ["example.com"]}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            preview(event=TriggerEvent.TICKET_CREATED, conditions=conditions, actions=RAISE)
        return len(captured.captured_queries)

    for n in range(2):
        ticket = open_ticket(customer=customer, department=department, subject=f"Site down {n}")
        ticket_update(actor=agent, ticket=ticket, tags=["vip"])
    few = queries()
    for n in range(6):
        open_ticket(customer=customer, department=department, subject=f"Site down again {n}")
    assert queries() == few


def test_invalid_conditions_are_refused():
    with pytest.raises(ApplicationError) as caught:
        preview(event=TriggerEvent.TICKET_CREATED, conditions={"regex": "(("}, actions=RAISE)
    assert caught.value.field == "regex"
