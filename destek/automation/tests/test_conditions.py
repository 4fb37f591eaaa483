"""Conditions: what validation refuses and cleans, and each kind matched against a ticket."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from destek.accounts.factories import DepartmentFactory
from destek.automation.conditions import TicketFacts, compile, validate
from destek.automation.happenings import Happening
from destek.automation.models import TriggerEvent
from destek.core.errors import ApplicationError
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import CustomerValue, ServiceKind, Tier
from destek.sla.models import BusinessCalendar, BusinessHours, SlaPolicy
from destek.sla.policies import forget_config
from destek.tickets.factories import open_ticket
from destek.tickets.models import Channel, Priority, Status, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


def matches(doc, ticket: Ticket, *, event: str = TriggerEvent.TICKET_CREATED,
            message=None, at: datetime | None = None, **facts) -> bool:
    happening = Happening(event=event, ticket=ticket, message=message, facts=facts)
    return compile(validate(doc)).matches(happening, TicketFacts(happening, at=at))


# --- validation ------------------------------------------------------------------------------

def test_validate_cleans_and_drops_empty_conditions(department):
    clean = validate({"channels": ["email", "email"], "priorities": ["40"], "words_any":
                      ["  site   down ", "", "site down"], "regex": "", "tags_any": ["VIP Müşteri"],
                      "sender_addresses": ["Boss@Example.COM"], "sender_domains": ["@Example.org"],
                      "department_ids": [department.pk], "business_hours": "out",
                      "rating_at_most": "2", "tiers": [], "plans": None})
    assert clean == {"channels": ["email"], "priorities": [40], "words_any": ["site down"],
                     "tags_any": ["vip-müşteri"], "sender_addresses": ["boss@example.com"],
                     "sender_domains": ["example.org"], "department_ids": [department.pk],
                     "business_hours": "out", "rating_at_most": 2}
    assert validate({}) == {} and validate(None) == {}


@pytest.mark.parametrize(("doc", "field"), [
    ({"colour": ["red"]}, "conditions"),
    ({"channels": ["pigeon"]}, "channels"),
    ({"priorities": [99]}, "priorities"),
    ({"statuses": ["sleeping"]}, "statuses"),
    ({"department_ids": [999999]}, "department_ids"),
    ({"regex": "(unclosed"}, "regex"),
    ({"regex": "a" * 301}, "regex"),
    ({"sender_addresses": ["not-an-address"]}, "sender_addresses"),
    ({"sender_domains": ["no domain"]}, "sender_domains"),
    ({"tiers": ["gold"]}, "tiers"),
    ({"service_kinds": ["spaceship"]}, "service_kinds"),
    ({"business_hours": "sometimes"}, "business_hours"),
    ({"rating_at_most": 9}, "rating_at_most"),
    ({"words_any": ["x" * 101]}, "words_any"),
    ({"words_any": "site down"}, None),  # one string is taken as a list of one
])
def test_validate_refuses_with_the_field_named(doc, field):
    if field is None:
        assert validate(doc) == {"words_any": ["site down"]}
        return
    with pytest.raises(ApplicationError) as caught:
        validate(doc)
    assert caught.value.field == field
    assert caught.value.message


def test_validation_messages_are_translated():
    from django.utils import translation

    with translation.override("tr"), pytest.raises(ApplicationError) as caught:
        validate({"regex": "(unclosed"})
    assert "düzenli ifade" in caught.value.message


# --- each kind -------------------------------------------------------------------------------

def test_an_empty_condition_matches_anything(customer, department):
    assert matches({}, open_ticket(customer=customer, department=department))


def test_ticket_fields(customer, department):
    ticket = open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    assert matches({"channels": ["portal", "email"]}, ticket)
    assert not matches({"channels": ["email"]}, ticket)
    assert matches({"department_ids": [department.pk]}, ticket)
    assert not matches({"department_ids": [DepartmentFactory().pk]}, ticket)
    assert matches({"priorities": [Priority.HIGH, Priority.CRITICAL]}, ticket)
    assert not matches({"priorities": [Priority.LOW]}, ticket)
    assert matches({"statuses": [Status.NEW]}, ticket)
    assert not matches({"statuses": [Status.OPEN]}, ticket)
    # ANDed across conditions
    assert not matches({"channels": ["portal"], "priorities": [Priority.LOW]}, ticket)


def test_words_in_subject_or_body_folded(customer, department):
    by_subject = open_ticket(customer=customer, department=department,
                             subject="SİTEM AÇILMIYOR", body="Merhaba")
    by_body = open_ticket(customer=customer, department=department, subject="Merhaba",
                          body="Dün akşamdan beri sitem acilmiyor, yardım edin.")
    neither = open_ticket(customer=customer, department=department, subject="Fatura",
                          body="Faturamı göremiyorum")
    doc = {"words_any": ["sitem açılmıyor", "site down"]}
    assert matches(doc, by_subject)
    assert matches(doc, by_body)
    assert not matches(doc, neither)


def test_the_text_is_the_happenings_message_else_the_latest_customer_message(
        customer, department):
    from destek.tickets.factories import reply

    ticket = open_ticket(customer=customer, department=department, subject="Question",
                         body="How do I add a mailbox?")
    later = reply(ticket=ticket, author=customer, body="Now my site is down!",
                  channel=Channel.PORTAL).message
    doc = {"words_any": ["site is down"]}
    assert matches(doc, ticket, event=TriggerEvent.STATUS_CHANGED)  # reads the latest
    first = ticket.messages.order_by("created_at", "id").first()
    assert not matches(doc, ticket, message=first)
    assert matches(doc, ticket, event=TriggerEvent.CUSTOMER_REPLIED, message=later)


def test_regex_on_folded_text(customer, department):
    ticket = open_ticket(customer=customer, department=department, subject="Hata",
                         body="Sunucu HTTP 502 döndürüyor")
    assert matches({"regex": r"http 5\d\d"}, ticket)
    assert matches({"regex": r"d[oö]nd[uü]r"}, ticket)
    assert matches({"regex": "DÖNDÜR"}, ticket)  # the pattern's Turkish letters fold too
    assert not matches({"regex": r"http 4\d\d"}, ticket)


def test_sender_address_and_domain(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    address = customer.email
    assert matches({"sender_addresses": [address.upper()]}, ticket)
    assert not matches({"sender_addresses": ["someone@else.example"]}, ticket)
    assert matches({"sender_domains": [address.split("@")[1]]}, ticket)
    assert not matches({"sender_domains": ["else.example"]}, ticket)


def test_tags_any_and_none(customer, department, agent):
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, tags=["vip", "billing"])
    assert matches({"tags_any": ["vip", "spam"]}, ticket)
    assert not matches({"tags_any": ["spam"]}, ticket)
    assert not matches({"tags_none": ["billing"]}, ticket)
    assert matches({"tags_none": ["spam"]}, ticket)


def test_tier_plan_and_service_kind(customer, department):
    service = ServiceFactory(customer=customer, kind=ServiceKind.VPS, plan="VPS Pro")
    CustomerValue.objects.create(customer=customer, tier=Tier.KEY)
    ticket = open_ticket(customer=customer, department=department, service_id=service.pk)
    assert matches({"tiers": [Tier.KEY]}, ticket)
    assert not matches({"tiers": [Tier.STANDARD]}, ticket)
    assert matches({"service_kinds": [ServiceKind.VPS], "plans": ["VPS Pro"]}, ticket)
    assert not matches({"plans": ["Starter"]}, ticket)
    plain = open_ticket(customer=customer, department=department)  # no service
    assert not matches({"service_kinds": [ServiceKind.VPS]}, plain)


def _weekdays_calendar() -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name="Rules office", timezone="UTC",
                                               is_office_hours=True)
    BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, weekday=d,
                                                     start=time(9), end=time(17))
                                       for d in range(5)])
    return calendar


MONDAY_NOON = datetime(2026, 12, 7, 12, tzinfo=UTC)
SUNDAY_NOON = datetime(2026, 12, 6, 12, tzinfo=UTC)


def test_business_hours_default_calendar(customer, department):
    BusinessCalendar.objects.update(is_office_hours=False)
    _weekdays_calendar()
    forget_config()
    ticket = open_ticket(customer=customer, department=department)
    assert matches({"business_hours": "in"}, ticket, at=MONDAY_NOON)
    assert not matches({"business_hours": "out"}, ticket, at=MONDAY_NOON)
    assert matches({"business_hours": "out"}, ticket, at=SUNDAY_NOON)


def test_business_hours_the_tickets_own_calendar(customer, department):
    BusinessCalendar.objects.update(is_office_hours=False)
    _weekdays_calendar()
    always = BusinessCalendar.objects.create(name="Around the clock", is_24x7=True)
    SlaPolicy.objects.create(name="Everything 24/7", position=0, calendar=always,
                             first_response_minutes=60)
    forget_config()
    ticket = open_ticket(customer=customer, department=department)
    assert matches({"business_hours": "in"}, ticket, at=SUNDAY_NOON)


def test_rating_at_most(customer, department):
    ticket = open_ticket(customer=customer, department=department)
    doc = {"rating_at_most": 2}
    assert matches(doc, ticket, event=TriggerEvent.RATING_RECEIVED, score=1)
    assert matches(doc, ticket, event=TriggerEvent.RATING_RECEIVED, score=2)
    assert not matches(doc, ticket, event=TriggerEvent.RATING_RECEIVED, score=4)
    assert not matches(doc, ticket)  # no rating at all


def test_a_happening_without_a_ticket_matches_nothing():
    happening = Happening(event=TriggerEvent.CHAT_ENDED, ticket=None)
    assert not compile({}).matches(happening, TicketFacts(happening))
