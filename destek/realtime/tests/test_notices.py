"""Notices for desktop notifications: "assigned to you" reaches only the new assignee's desks
(and not when they took the ticket themselves); "a chat is waiting" reaches the desks that see
its department."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.accounts.models import Role
from destek.livechat.services.conversations import chat_start
from destek.realtime.tests.conftest import communicator, session_headers
from destek.tickets.factories import open_ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 3


async def frames_until_quiet(ws) -> list[dict]:  # type: ignore[no-untyped-def]
    frames = []
    while not await ws.receive_nothing(timeout=0.4):
        frames.append(await ws.receive_json_from(timeout=TIMEOUT))
    return frames


def test_the_new_assignee_hears_it_was_assigned_to_them(agent, customer, department):
    colleague = AgentFactory()
    MembershipFactory(department=department, agent=colleague)
    ticket = open_ticket(customer=customer, department=department)
    mine, theirs = session_headers(agent), session_headers(colleague)

    async def scenario() -> None:
        me, other = communicator(mine), communicator(theirs)
        for ws in (me, other):
            assert (await ws.connect(timeout=TIMEOUT))[0]
        await sync_to_async(ticket_update)(actor=colleague, ticket=ticket, assignee=agent)
        assert {"type": "ticket.assigned", "ticket_id": ticket.pk,
                "reference": ticket.reference} in await frames_until_quiet(me)
        assert all(f["type"] != "ticket.assigned" for f in await frames_until_quiet(other))
        # Taking a ticket oneself is no news.
        await sync_to_async(ticket_update)(actor=colleague, ticket=ticket, assignee=colleague)
        assert all(f["type"] != "ticket.assigned" for f in await frames_until_quiet(other))
        for ws in (me, other):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_a_chat_nobody_took_reaches_the_desks_of_its_department(agent, department,
                                                                 other_department):
    department.is_public = True
    department.save()
    outsider = AgentFactory(role=Role.OUTSOURCED)
    MembershipFactory(department=other_department, agent=outsider)
    mine, theirs = session_headers(agent), session_headers(outsider)

    async def scenario() -> None:
        me, other = communicator(mine), communicator(theirs)
        for ws in (me, other):
            assert (await ws.connect(timeout=TIMEOUT))[0]
        chat = await sync_to_async(chat_start)(
            customer=None, name="Ziyaretçi", email="visitor@example.com", topic="DNS",
            department_id=department.pk, language="tr")
        assert await frames_until_quiet(me) == [
            {"type": "chat.waiting", "conversation": chat.pk, "department_id": department.pk}]
        assert await frames_until_quiet(other) == []
        for ws in (me, other):
            await ws.disconnect()

    async_to_sync(scenario)()
