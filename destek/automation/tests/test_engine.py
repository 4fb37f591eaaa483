"""The engine: triggers in order, "stop here", loop protection, every firing in the ticket's
history, a broken rule never failing the change, and no query added by rules that do not
match."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.automation import engine
from destek.automation.models import Trigger, TriggerEvent
from destek.tickets.factories import open_ticket
from destek.tickets.models import EventKind, Priority, Status, Ticket, TicketEvent
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


def trigger(name: str, *, events: list[str] | None = None, conditions: dict[str, Any] | None = None,
            actions: dict[str, Any], position: int = 100, stop_here: bool = False) -> Trigger:
    row = Trigger.objects.create(name=name, events=events or [TriggerEvent.TICKET_CREATED],
                                 conditions=conditions or {}, actions=actions,
                                 position=position, stop_here=stop_here)
    engine.triggers_changed()
    return row


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def rules_applied(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION)
                .order_by("id").values_list("after", flat=True))


def tags(ticket: Ticket) -> set[str]:
    return set(fresh(ticket).tags.values_list("name", flat=True))


def test_triggers_run_in_position_order(customer, department):
    trigger("Escalate", position=20, conditions={"priorities": [Priority.HIGH]},
            actions={"tags_add": ["escalated"]})
    trigger("Raise", position=10, actions={"priority": Priority.HIGH})
    ticket = open_ticket(customer=customer, department=department)
    assert fresh(ticket).priority == Priority.HIGH
    assert tags(ticket) == {"escalated"}  # the second saw the first's change
    assert rules_applied(ticket) == ["Raise", "Escalate"]


def test_reversed_order_gives_the_second_nothing_to_see(customer, department):
    trigger("Escalate", position=10, conditions={"priorities": [Priority.HIGH]},
            actions={"tags_add": ["escalated"]})
    trigger("Raise", position=20, actions={"priority": Priority.HIGH})
    ticket = open_ticket(customer=customer, department=department)
    assert tags(ticket) == set()
    assert rules_applied(ticket) == ["Raise"]


def test_stop_here_ends_the_list(customer, department):
    trigger("First", position=10, actions={"priority": Priority.HIGH}, stop_here=True)
    trigger("Second", position=20, actions={"tags_add": ["second"]})
    ticket = open_ticket(customer=customer, department=department)
    assert fresh(ticket).priority == Priority.HIGH
    assert tags(ticket) == set()
    assert rules_applied(ticket) == ["First"]


def test_stop_here_only_when_the_trigger_fires(customer, department):
    trigger("First", position=10, conditions={"channels": ["email"]},
            actions={"priority": Priority.HIGH}, stop_here=True)
    trigger("Second", position=20, actions={"tags_add": ["second"]})
    ticket = open_ticket(customer=customer, department=department)  # portal: First skips
    assert tags(ticket) == {"second"}


def test_inactive_triggers_and_other_events_do_not_run(customer, department):
    Trigger.objects.create(name="Off", events=[TriggerEvent.TICKET_CREATED], is_active=False,
                           actions={"priority": Priority.HIGH})
    trigger("On reply", events=[TriggerEvent.CUSTOMER_REPLIED], actions={"tags_add": ["r"]})
    ticket = open_ticket(customer=customer, department=department)
    assert fresh(ticket).priority == Priority.NORMAL
    assert rules_applied(ticket) == []


def test_a_triggers_own_change_does_not_fire_it_again(customer, department, agent):
    # Subscribed to the event its own action causes: once, not forever.
    looping = trigger("Raise on any priority change", events=[TriggerEvent.PRIORITY_CHANGED],
                      actions={"priority": Priority.CRITICAL, "tags_add": ["raised"]})
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, priority=Priority.HIGH)
    assert fresh(ticket).priority == Priority.CRITICAL
    assert rules_applied(ticket) == ["Raise on any priority change"]
    looping.refresh_from_db()
    assert looping.fire_count == 1 and looping.last_fired_at is not None


def test_two_triggers_feeding_each_other_fire_once_each(customer, department, agent):
    # priority changed → pending; status changed → low priority → priority changed → …
    a = trigger("Pending on priority", events=[TriggerEvent.PRIORITY_CHANGED],
                actions={"status": Status.PENDING})
    b = trigger("Low on status", events=[TriggerEvent.STATUS_CHANGED],
                actions={"priority": Priority.LOW})
    ticket = open_ticket(customer=customer, department=department)
    ticket_update(actor=agent, ticket=ticket, priority=Priority.HIGH)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.priority) == (Status.PENDING, Priority.LOW)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.fire_count, b.fire_count) == (1, 1)
    # A later, separate change is another originating happening: they may fire again.
    ticket_update(actor=agent, ticket=ticket, priority=Priority.HIGH, status=Status.OPEN)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.fire_count, b.fire_count) == (2, 2)


def test_nesting_stops_at_the_depth_cap(customer, department):
    # created → open → (status changed) high → (priority changed) pending → (status changed)
    # "4 tag" would see "pending" only in a fourth level, which the cap does not start.
    trigger("1 open", position=10, actions={"status": Status.OPEN})
    trigger("4 tag", position=15, events=[TriggerEvent.STATUS_CHANGED],
            conditions={"statuses": [Status.PENDING]}, actions={"tags_add": ["deep"]})
    trigger("2 high", position=20, events=[TriggerEvent.STATUS_CHANGED],
            conditions={"statuses": [Status.OPEN]}, actions={"priority": Priority.HIGH})
    trigger("3 pending", position=30, events=[TriggerEvent.PRIORITY_CHANGED],
            actions={"status": Status.PENDING})
    assert engine.MAX_DEPTH == 3
    ticket = open_ticket(customer=customer, department=department)
    assert rules_applied(ticket) == ["1 open", "2 high", "3 pending"]
    assert fresh(ticket).status == Status.PENDING
    assert tags(ticket) == set()


def test_a_firing_that_changes_no_field_is_in_the_history(customer, department):
    rule = trigger("Tell the team", actions={"note": "Look at {ticket_number}"})
    ticket = open_ticket(customer=customer, department=department)
    [event] = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION)
    assert event.after == "Tell the team" and event.actor is None
    rule.refresh_from_db()
    assert rule.fire_count == 1


def test_nothing_to_do_is_not_a_firing(customer, department):
    rule = trigger("Already high", actions={"priority": Priority.HIGH})
    ticket = open_ticket(customer=customer, department=department, priority=Priority.HIGH)
    assert rules_applied(ticket) == []
    rule.refresh_from_db()
    assert rule.fire_count == 0


def test_a_broken_trigger_never_fails_the_change(customer, department, caplog):
    trigger("Broken", position=10, actions={"status": "no-such-status"})
    trigger("Fine", position=20, actions={"tags_add": ["fine"]})
    ticket = open_ticket(customer=customer, department=department)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert fresh(ticket).status == Status.NEW
    assert tags(ticket) == {"fine"}
    assert "Broken" in caplog.text


def test_a_change_of_the_rules_is_seen_by_the_next_ticket(customer, department):
    rule = trigger("Raise", actions={"priority": Priority.HIGH})
    assert fresh(open_ticket(customer=customer, department=department)).priority == Priority.HIGH
    Trigger.objects.filter(pk=rule.pk).update(is_active=False)
    engine.triggers_changed()
    assert fresh(open_ticket(customer=customer, department=department)).priority \
        == Priority.NORMAL


def _creation_queries(customer, department) -> list[str]:  # type: ignore[no-untyped-def]
    open_ticket(customer=customer, department=department, subject="Warm-up")  # caches filled
    with CaptureQueriesContext(connection) as captured:
        open_ticket(customer=customer, department=department, subject="Invoice question",
                    body="Where can I download last month's invoice?")
    return [q["sql"] for q in captured.captured_queries]


def test_fifty_rules_that_do_not_match_cost_no_query(customer, department):
    without = _creation_queries(customer, department)
    Trigger.objects.bulk_create([
        Trigger(name=f"Rule {n}", events=[TriggerEvent.TICKET_CREATED,
                                          TriggerEvent.CUSTOMER_REPLIED],
                position=n, conditions={"words_any": [f"outage{n}", f"kesinti {n}"],
                                        "channels": ["portal", "email"]},
                actions={"priority": Priority.HIGH})
        for n in range(50)])
    engine.triggers_changed()
    with_rules = _creation_queries(customer, department)
    assert len(with_rules) == len(without), "\n".join(with_rules)
    assert not any("automation_" in q for q in with_rules)  # the version is a cache read


def test_a_change_made_by_another_process_is_seen_through_the_cached_version(
        customer, department):
    from django.core.cache import cache
    from django.db.models import F

    from destek.automation.models import AutomationSettings

    rule = trigger("Raise", actions={"priority": Priority.HIGH})
    Trigger.objects.filter(pk=rule.pk).update(is_active=False)  # another process, no bump yet
    engine.triggers_changed()
    assert fresh(open_ticket(customer=customer, department=department)).priority \
        == Priority.NORMAL
    # The other process saves and commits: the row, the version, the cached version.
    Trigger.objects.filter(pk=rule.pk).update(is_active=True)
    AutomationSettings.objects.filter(pk=1).update(version=F("version") + 1)
    cache.set(engine.VERSION_KEY, engine._version_in_database())
    assert fresh(open_ticket(customer=customer, department=department)).priority \
        == Priority.HIGH


def test_a_firing_that_changes_fields_and_posts_a_note_is_recorded_once(customer, department):
    trigger("Raise and tell", actions={"priority": Priority.HIGH, "note": "Raised"})
    ticket = open_ticket(customer=customer, department=department)
    assert rules_applied(ticket) == ["Raise and tell"]
