"""Related tickets, followers and @mentions."""

from __future__ import annotations

import pytest

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import Role
from destek.core import bus
from destek.core.errors import ApplicationError, NotFound
from destek.tickets.domain_events import AgentsAlerted, AlertReason
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import EventKind, Mention, Status, TicketFollower, TicketLink
from destek.tickets.selectors import linked_tickets, ticket_followers
from destek.tickets.services.changes import ticket_update
from destek.tickets.services.followers import (
    mentioned_addresses,
    ticket_follow,
    ticket_unfollow,
)
from destek.tickets.services.links import ticket_link, ticket_unlink

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts():
    heard: list[AgentsAlerted] = []
    bus.subscribe(AgentsAlerted, heard.append)
    yield heard
    bus._handlers[AgentsAlerted].remove(heard.append)


def test_a_link_is_listed_on_both_tickets_and_recorded(customer, agent, department):
    a = open_ticket(customer=customer, department=department, subject="A")
    b = open_ticket(customer=customer, department=department, subject="B")
    ticket_link(actor=agent, ticket=b, other_id=a.pk, note="same outage")
    [on_a] = linked_tickets(actor=agent, ticket=a)
    [on_b] = linked_tickets(actor=agent, ticket=b)
    assert (on_a.ticket.pk, on_b.ticket.pk, on_a.note) == (b.pk, a.pk, "same outage")
    assert a.events.filter(kind=EventKind.LINKED, after=b.reference).exists()
    assert b.events.filter(kind=EventKind.LINKED, after=a.reference).exists()
    with pytest.raises(ApplicationError):
        ticket_link(actor=agent, ticket=a, other_id=b.pk)
    with pytest.raises(ApplicationError):
        ticket_link(actor=agent, ticket=a, other_id=a.pk)
    ticket_unlink(actor=agent, ticket=a, link_id=on_a.link_id)
    assert not TicketLink.objects.exists()
    assert b.events.filter(kind=EventKind.UNLINKED, after=a.reference).exists()


def test_outsourced_agents_neither_link_nor_see_tickets_outside_their_departments(
        customer, agent, outsourced, department, other_department):
    mine = open_ticket(customer=customer, department=other_department)
    hidden = open_ticket(customer=customer, department=department)
    with pytest.raises(NotFound):
        ticket_link(actor=outsourced, ticket=mine, other_id=hidden.pk)
    ticket_link(actor=agent, ticket=mine, other_id=hidden.pk)
    assert linked_tickets(actor=outsourced, ticket=mine) == []
    assert len(linked_tickets(actor=agent, ticket=mine)) == 1


def test_follow_and_unfollow(customer, agent, department):
    ticket = open_ticket(customer=customer, department=department)
    assert ticket_follow(actor=agent, ticket=ticket) is True
    assert ticket_follow(actor=agent, ticket=ticket) is False
    assert ticket_followers(ticket=ticket) == [agent]
    assert ticket_unfollow(actor=agent, ticket=ticket) is True
    assert ticket_followers(ticket=ticket) == []


def test_followers_hear_of_customer_replies_and_status_changes_but_not_of_their_own(
        customer, agent, department, alerts):
    colleague = AgentFactory(full_name="Zeynep")
    ticket = open_ticket(customer=customer, department=department)
    ticket_follow(actor=colleague, ticket=ticket)
    ticket_follow(actor=agent, ticket=ticket)
    reply(ticket=ticket, author=customer, body="any news?")
    assert [(a.reason, set(a.recipients)) for a in alerts] == [
        (AlertReason.CUSTOMER_REPLIED, {agent, colleague})]
    alerts.clear()
    ticket_update(actor=agent, ticket=ticket, status=Status.PENDING)
    assert [(a.reason, a.recipients, a.previous_status) for a in alerts] == [
        (AlertReason.STATUS_CHANGED, (colleague,), Status.NEW)]
    alerts.clear()
    reply(ticket=ticket, author=agent, body="done", new_status=Status.RESOLVED)
    assert [(a.reason, a.recipients) for a in alerts] == [
        (AlertReason.STATUS_CHANGED, (colleague,))]
    alerts.clear()
    reply(ticket=ticket, author=agent, body="a plain answer")
    assert alerts == []


def test_mentions_in_a_note_make_followers_and_tell_only_who_may_see_the_ticket(
        customer, agent, outsourced, department, alerts):
    colleague = AgentFactory(full_name="Zeynep", email="zeynep@example.com")
    inside = AgentFactory(full_name="Inside", role=Role.OUTSOURCED, email="in@example.com")
    MembershipFactory(department=department, agent=inside)
    ticket = open_ticket(customer=customer, department=department)
    note = reply(ticket=ticket, author=agent, internal=True,
                 body=f"@Zeynep@Example.com and @{inside.email} and @{outsourced.email}: "
                      "look; mail@example.com is not a mention").message
    mentions = {m.user_id: m.notified for m in Mention.objects.filter(message=note)}
    assert mentions == {colleague.pk: True, inside.pk: True, outsourced.pk: False}
    assert set(TicketFollower.objects.filter(ticket=ticket).values_list("user_id", flat=True)
               ) == {colleague.pk, inside.pk}
    [alert] = alerts
    assert alert.reason == AlertReason.MENTIONED and set(alert.recipients) == {colleague, inside}
    # A public reply mentions nobody.
    reply(ticket=ticket, author=agent, body=f"@{colleague.email}")
    assert Mention.objects.count() == 3


def test_mention_parsing():
    assert mentioned_addresses("hi @A.B@Ex.com, @c@d.org. x@y.com @a.b@ex.com") == [
        "a.b@ex.com", "c@d.org"]


def test_erasing_a_customers_tickets_blanks_their_link_notes(customer, agent, department):
    from destek.privacy.erasure_scrub import anonymise_tickets

    a = open_ticket(customer=customer, department=department)
    b = open_ticket(customer=customer, department=department)
    ticket_link(actor=agent, ticket=a, other_id=b.pk, note="Ayşe's site example.com")
    anonymise_tickets([a.pk, b.pk])
    assert TicketLink.objects.get().note == ""
    assert not a.events.filter(kind=EventKind.LINKED).exclude(before="").exists()
