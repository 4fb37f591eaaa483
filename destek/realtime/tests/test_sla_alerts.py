"""SLA alerts reach the one agent they are meant for, on every desk tab they have open, and
nobody else (destek.sla.services.notify pushes them to desk.user.<id> on commit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.realtime.tests.conftest import communicator, session_headers
from destek.sla.models import TicketSla
from destek.sla.services.scan import sla_scan
from destek.sla.tests.policies import ensure_default_policies
from destek.tickets.factories import open_ticket
from destek.tickets.models import Priority, Ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 3


def test_the_assignee_hears_the_warning_and_the_breach_once(agent, customer, department):
    ensure_default_policies()
    colleague = AgentFactory()
    MembershipFactory(department=department, agent=colleague)
    ticket = open_ticket(customer=customer, department=department, priority=Priority.CRITICAL)
    ticket_update(actor=agent, ticket=ticket, assignee=agent)
    t0 = Ticket.objects.get(pk=ticket.pk).created_at
    due = TicketSla.objects.get(ticket_id=ticket.pk).due_at
    mine, theirs = session_headers(agent), session_headers(colleague)

    def alert(kind: str) -> dict:
        return {"type": "sla.alert", "ticket_id": ticket.pk, "reference": ticket.reference,
                "kind": kind, "metric": "first_response", "due_at": due.isoformat()}

    async def scenario() -> None:
        tab1, tab2, other = communicator(mine), communicator(mine), communicator(theirs)
        for ws in (tab1, tab2, other):
            assert (await ws.connect(timeout=TIMEOUT))[0]
        await sync_to_async(sla_scan)(now=t0 + timedelta(minutes=46))
        assert await tab1.receive_json_from(timeout=TIMEOUT) == alert("sla_warning")
        assert await tab2.receive_json_from(timeout=TIMEOUT) == alert("sla_warning")
        await sync_to_async(sla_scan)(now=t0 + timedelta(minutes=47))  # nothing new
        assert await tab1.receive_nothing(timeout=0.3)
        await sync_to_async(sla_scan)(now=t0 + timedelta(minutes=61))
        assert await tab1.receive_json_from(timeout=TIMEOUT) == alert("sla_breach")
        # The colleague hears neither (their desk only sees the ticket changing).
        while not await other.receive_nothing(timeout=0.3):
            assert (await other.receive_json_from(timeout=TIMEOUT))["type"] != "sla.alert"
        for ws in (tab1, tab2, other):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_a_pushed_alert_is_forwarded_with_only_its_fields(agent):
    from channels.layers import get_channel_layer

    from destek.realtime.groups import user_group

    headers = session_headers(agent)

    async def scenario() -> None:
        ws = communicator(headers)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await get_channel_layer().group_send(user_group(agent.pk), {
            "type": "desk.sla_alert", "ticket_id": 7, "reference": "T-100007",
            "kind": "sla_on_call", "metric": "", "due_at": None, "secret": "x"})
        assert await ws.receive_json_from(timeout=TIMEOUT) == {
            "type": "sla.alert", "ticket_id": 7, "reference": "T-100007",
            "kind": "sla_on_call", "metric": "", "due_at": None}
        await ws.disconnect()

    async_to_sync(scenario)()
