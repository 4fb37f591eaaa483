"""Ticket events become minimal pushes, only after the change commits, and never break it."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from destek.realtime import groups, push
from destek.tickets.factories import open_ticket, reply


@pytest.fixture
def pushed(monkeypatch) -> list[dict]:  # type: ignore[no-untyped-def]
    """The messages pushed to the desks (each goes to everyone-agents and a department)."""
    sent: list[dict] = []

    def record(pushes: list[tuple[str, dict]]) -> None:
        if pushes[0][1]["type"] == push.ASSIGNED:
            return  # to one agent, not the desks: test_notices.py
        assert [group for group, _m in pushes] == [
            groups.ALL, groups.department_group(pushes[0][1]["department_id"])]
        sent.append(pushes[0][1])

    monkeypatch.setattr(push, "push_now", record)
    return sent


def to_desks(message: dict) -> None:
    push.push_now([(groups.ALL, message),
                   (groups.department_group(message["department_id"]), message)])


@pytest.mark.django_db
def test_push_is_scheduled_on_commit_with_a_minimal_payload(
        pushed, customer, agent, department, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = open_ticket(customer=customer, department=department)
    assert pushed == []
    for callback in callbacks:
        callback()
    assert pushed == [{"type": push.TICKET_CHANGED, "ticket_id": ticket.pk,
                       "department_id": department.pk, "reference": ticket.reference}]
    with django_capture_on_commit_callbacks(execute=True):
        reply(ticket=ticket, author=agent, body="secret internal text", internal=True)
    assert "secret internal text" not in repr(pushed)
    assert len(pushed) == 2


@pytest.mark.django_db(transaction=True)
def test_nothing_is_pushed_when_the_change_rolls_back(pushed, customer, department):
    with pytest.raises(RuntimeError), transaction.atomic():
        open_ticket(customer=customer, department=department)
        raise RuntimeError("boom")
    assert pushed == []
    open_ticket(customer=customer, department=department)
    assert len(pushed) == 1


class BrokenLayer:
    async def group_send(self, group: str, message: dict) -> None:
        raise ConnectionError("redis is down")


def test_a_broken_channel_layer_is_logged_not_raised(monkeypatch, caplog):
    monkeypatch.setattr(push, "get_channel_layer", lambda: BrokenLayer())
    with caplog.at_level(logging.ERROR, logger="destek.realtime.push"):
        to_desks({"type": push.TICKET_CHANGED, "ticket_id": 1,
                          "department_id": 2, "reference": "T-100001"})
    assert "Could not push" in caplog.text


def test_push_reaches_everyone_group_and_department_group(monkeypatch):
    sent: list[tuple[str, dict]] = []

    class RecordingLayer:
        async def group_send(self, group: str, message: dict) -> None:
            sent.append((group, message))

    monkeypatch.setattr(push, "get_channel_layer", lambda: RecordingLayer())
    message = {"type": push.TICKET_CHANGED, "ticket_id": 1, "department_id": 7,
               "reference": "T-100001"}
    to_desks(message)
    assert sent == [(groups.ALL, message), (groups.department_group(7), message)]


@pytest.mark.django_db
def test_one_push_per_ticket_per_transaction(pushed, customer, department,
                                             django_capture_on_commit_callbacks):
    """Routing assigns the new ticket (TicketAssigned and TicketOpened): desks hear it once."""
    from destek.accounts.factories import AgentFactory, MembershipFactory
    from destek.accounts.models import AssignmentMode

    department.assignment_mode = AssignmentMode.ROUND_ROBIN
    department.save()
    MembershipFactory(department=department, agent=AgentFactory())
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(customer=customer, department=department)
    assert ticket.assignee_id is not None
    assert [p["ticket_id"] for p in pushed] == [ticket.pk]


def test_coalesced_pushes_leave_in_one_trip_when_the_block_ends(monkeypatch):
    trips: list[list[tuple[str, dict]]] = []

    class RecordingLayer:
        async def group_send(self, group: str, message: dict) -> None:
            trips[-1].append((group, message))

    async def one_trip(layer, messages):  # type: ignore[no-untyped-def]
        trips.append([])
        return await send_to_desks(layer, messages)

    send_to_desks = push._send_all
    monkeypatch.setattr(push, "_send_all", one_trip)
    monkeypatch.setattr(push, "get_channel_layer", lambda: RecordingLayer())
    first, second = ({"type": push.TICKET_CHANGED, "ticket_id": n, "department_id": 7,
                      "reference": f"T-10000{n}"} for n in (1, 2))
    with push.pushes_coalesced():
        to_desks(first)
        to_desks(second)
        assert trips == []
    both = {"type": push.TICKETS_CHANGED, "tickets": [
        {k: m[k] for k in ("ticket_id", "department_id", "reference")} for m in (first, second)]}
    assert trips == [[(groups.ALL, both), (groups.department_group(7), both)]]
    to_desks(first)  # outside the block: at once
    assert len(trips) == 2


def test_each_group_hears_its_tickets_in_one_message(monkeypatch):
    sent: list[tuple[str, dict]] = []

    class RecordingLayer:
        async def group_send(self, group: str, message: dict) -> None:
            sent.append((group, message))

    monkeypatch.setattr(push, "get_channel_layer", lambda: RecordingLayer())
    one, two, three = ({"type": push.TICKET_CHANGED, "ticket_id": n,
                        "department_id": department, "reference": f"T-10000{n}"}
                       for n, department in ((1, 7), (2, 8), (3, 7)))
    with push.pushes_coalesced():
        for message in (one, two, three):
            to_desks(message)

    def listed(*messages: dict) -> dict:
        return {"type": push.TICKETS_CHANGED, "tickets": [
            {k: m[k] for k in ("ticket_id", "department_id", "reference")} for m in messages]}

    assert sent == [(groups.ALL, listed(one, two, three)),
                    (groups.department_group(7), listed(one, three)),
                    (groups.department_group(8), two)]
