"""A mentioned agent, and a ticket's followers, hear of it on their open desks; nobody else
(tickets.services.followers → AgentsAlerted → desk.user.<id> on commit)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from destek.accounts.factories import AgentFactory
from destek.realtime.tests.conftest import communicator, session_headers
from destek.tickets.factories import open_ticket, reply
from destek.tickets.services.followers import ticket_follow

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 3


def test_mentioned_and_followers_hear_it_the_author_does_not(agent, customer, department):
    colleague = AgentFactory(email="zeynep@example.com")
    ticket = open_ticket(customer=customer, department=department)
    their_headers, my_headers = session_headers(colleague), session_headers(agent)

    def alert(reason: str) -> dict:
        return {"type": "follow.alert", "ticket_id": ticket.pk, "reference": ticket.reference,
                "reason": reason}

    async def next_alert(ws) -> dict:  # type: ignore[no-untyped-def]
        while True:
            frame = await ws.receive_json_from(timeout=TIMEOUT)
            if frame["type"] == "follow.alert":
                return frame

    async def scenario() -> None:
        theirs, mine = communicator(their_headers), communicator(my_headers)
        for ws in (theirs, mine):
            assert (await ws.connect(timeout=TIMEOUT))[0]
        await sync_to_async(reply)(ticket=ticket, author=agent, internal=True,
                                   body="@zeynep@example.com please look")
        assert await next_alert(theirs) == alert("mentioned")
        await sync_to_async(ticket_follow)(actor=agent, ticket=ticket)
        await sync_to_async(reply)(ticket=ticket, author=customer, body="hello?")
        assert await next_alert(theirs) == alert("customer_replied")
        assert await next_alert(mine) == alert("customer_replied")
        while not await mine.receive_nothing(timeout=0.3):
            assert (await mine.receive_json_from(timeout=TIMEOUT))["type"] != "follow.alert"
        for ws in (theirs, mine):
            await ws.disconnect()

    async_to_sync(scenario)()
