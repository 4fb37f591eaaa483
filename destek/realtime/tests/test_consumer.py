"""The desk WebSocket through every door: who may connect, who hears which ticket, presence,
and junk that must not bring the connection down.

Each test is synchronous and runs one async scenario with async_to_sync: sync code called with
sync_to_async (the funnel, the consumer) then runs on the test's own thread and database
connection, and `transaction=True` makes the committed rows (and on_commit pushes) real.
"""

from __future__ import annotations

import importlib
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from destek.accounts.factories import AgentFactory, MembershipFactory
from destek.realtime.tests.conftest import communicator, session_headers
from destek.tickets.factories import open_ticket
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 3


def changed(ticket) -> dict:
    return {"type": "ticket.changed", "ticket_id": ticket.pk,
            "department_id": ticket.department_id, "reference": ticket.reference}


def test_anonymous_and_customers_are_refused(customer):
    attempts = [session_headers(None), session_headers(customer)]

    async def scenario() -> None:
        for headers in attempts:
            ws = communicator(headers)
            connected, code = await ws.connect(timeout=TIMEOUT)
            assert not connected
            assert code == 4403
            await ws.disconnect()

    async_to_sync(scenario)()


def test_inactive_agent_is_refused(agent):
    headers = session_headers(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    async def scenario() -> None:
        ws = communicator(headers)
        connected, _code = await ws.connect(timeout=TIMEOUT)
        assert not connected
        await ws.disconnect()

    async_to_sync(scenario)()


def test_agent_hears_a_ticket_opened_through_the_funnel(agent, customer, department):
    headers = session_headers(agent)

    async def scenario() -> None:
        ws = communicator(headers)
        connected, _ = await ws.connect(timeout=TIMEOUT)
        assert connected
        ticket = await sync_to_async(open_ticket)(customer=customer, department=department)
        assert await ws.receive_json_from(timeout=TIMEOUT) == changed(ticket)
        await ws.disconnect()

    async_to_sync(scenario)()


def test_agent_hears_each_ticket_of_a_coalesced_batch(agent, customer, department):
    """A worker filing a batch of emails pushes once per group; the desk hears each ticket."""
    from destek.realtime.push import pushes_coalesced

    headers = session_headers(agent)

    def batch() -> list:  # type: ignore[type-arg]
        with pushes_coalesced():
            return [open_ticket(customer=customer, department=department) for _ in range(3)]

    async def scenario() -> None:
        ws = communicator(headers)
        connected, _ = await ws.connect(timeout=TIMEOUT)
        assert connected
        tickets = await sync_to_async(batch)()
        heard = [await ws.receive_json_from(timeout=TIMEOUT) for _ in tickets]
        assert heard == [changed(t) for t in tickets]
        await ws.disconnect()

    async_to_sync(scenario)()


def test_outsourced_agent_hears_only_their_departments(agent, outsourced, customer, department,
                                                       other_department):
    agent_headers, outsourced_headers = session_headers(agent), session_headers(outsourced)

    async def scenario() -> None:
        everyone, limited = communicator(agent_headers), communicator(outsourced_headers)
        assert (await everyone.connect(timeout=TIMEOUT))[0]
        assert (await limited.connect(timeout=TIMEOUT))[0]
        hidden = await sync_to_async(open_ticket)(customer=customer, department=department)
        assert await everyone.receive_json_from(timeout=TIMEOUT) == changed(hidden)
        assert await limited.receive_nothing(timeout=0.3)
        theirs = await sync_to_async(open_ticket)(customer=customer,
                                                  department=other_department)
        assert await limited.receive_json_from(timeout=TIMEOUT) == changed(theirs)
        assert await everyone.receive_json_from(timeout=TIMEOUT) == changed(theirs)
        # An update of the hidden ticket stays hidden too.
        await sync_to_async(ticket_update)(actor=agent, ticket=hidden, priority=40)
        assert await everyone.receive_json_from(timeout=TIMEOUT) == changed(hidden)
        assert await limited.receive_nothing(timeout=0.3)
        await everyone.disconnect()
        await limited.disconnect()

    async_to_sync(scenario)()


def test_presence_is_shared_between_agents_on_the_same_ticket(agent, customer, department):
    colleague = AgentFactory(full_name="Ayşe Yılmaz")
    MembershipFactory(department=department, agent=colleague)
    ticket = open_ticket(customer=customer, department=department)
    a_headers, b_headers = session_headers(agent), session_headers(colleague)

    def presence(user, state, joined=False) -> dict:
        return {"type": "presence", "ticket_id": ticket.pk, "user_id": user.pk,
                "name": user.display_name, "state": state, "joined": joined}

    async def scenario() -> None:
        a, b = communicator(a_headers), communicator(b_headers)
        assert (await a.connect(timeout=TIMEOUT))[0]
        assert (await b.connect(timeout=TIMEOUT))[0]
        await b.send_json_to({"action": "viewing", "ticket_id": ticket.pk, "joined": True})
        assert await b.receive_nothing(timeout=0.3)  # nobody else there; no echo to oneself
        await a.send_json_to({"action": "viewing", "ticket_id": ticket.pk, "joined": True})
        assert await b.receive_json_from(timeout=TIMEOUT) == presence(agent, "viewing", True)
        await b.send_json_to({"action": "viewing", "ticket_id": ticket.pk})  # the answer
        assert await a.receive_json_from(timeout=TIMEOUT) == presence(colleague, "viewing")
        await a.send_json_to({"action": "typing", "ticket_id": str(ticket.pk)})
        assert await b.receive_json_from(timeout=TIMEOUT) == presence(agent, "typing")
        await a.send_json_to({"action": "leave", "ticket_id": ticket.pk})
        assert await b.receive_json_from(timeout=TIMEOUT) == presence(agent, "left")
        await a.send_json_to({"action": "viewing", "ticket_id": ticket.pk})
        assert await b.receive_json_from(timeout=TIMEOUT) == presence(agent, "viewing", True)
        await a.disconnect()  # closing the tab expires the badge
        assert await b.receive_json_from(timeout=TIMEOUT) == presence(agent, "left")
        await b.disconnect()

    async_to_sync(scenario)()


def test_presence_on_a_hidden_ticket_is_ignored(agent, outsourced, customer, department):
    ticket = open_ticket(customer=customer, department=department)
    a_headers, o_headers = session_headers(agent), session_headers(outsourced)

    async def scenario() -> None:
        watcher, outsider = communicator(a_headers), communicator(o_headers)
        assert (await watcher.connect(timeout=TIMEOUT))[0]
        assert (await outsider.connect(timeout=TIMEOUT))[0]
        await watcher.send_json_to({"action": "viewing", "ticket_id": ticket.pk})
        for action in ("viewing", "typing", "leave"):
            await outsider.send_json_to({"action": action, "ticket_id": ticket.pk})
        assert await watcher.receive_nothing(timeout=0.3)
        # The outsider did not join the ticket's group: the watcher's presence is not heard.
        await watcher.send_json_to({"action": "typing", "ticket_id": ticket.pk})
        assert await outsider.receive_nothing(timeout=0.3)
        await watcher.disconnect()
        await outsider.disconnect()

    async_to_sync(scenario)()


JUNK_TEXT = [
    "not json",
    "",
    "[1, 2, 3]",
    '"a string"',
    "null",
    "{",
    json.dumps({"action": "viewing"}),
    json.dumps({"action": "viewing", "ticket_id": "abc"}),
    json.dumps({"action": "viewing", "ticket_id": True}),
    json.dumps({"action": "viewing", "ticket_id": -5}),
    json.dumps({"action": "viewing", "ticket_id": 10**30}),
    json.dumps({"action": "viewing", "ticket_id": {"nested": 1}}),
    json.dumps({"action": "viewing", "ticket_id": 987654}),
    json.dumps({"action": "explode", "ticket_id": 1}),
    json.dumps({"action": ["viewing"], "ticket_id": 1}),
    "x" * 100_000,
]


def test_junk_frames_do_not_break_the_connection(agent, customer, department):
    headers = session_headers(agent)

    async def scenario() -> None:
        ws = communicator(headers)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        for text in JUNK_TEXT:
            await ws.send_to(text_data=text)
        await ws.send_to(bytes_data=b"\x00\xff\x00")
        assert await ws.receive_nothing(timeout=0.3)
        ticket = await sync_to_async(open_ticket)(customer=customer, department=department)
        assert await ws.receive_json_from(timeout=TIMEOUT) == changed(ticket)
        await ws.disconnect()

    async_to_sync(scenario)()


def test_the_real_asgi_application_routes_and_checks_origin(settings, agent, customer,
                                                            department):
    """destek.asgi.application: origin validation, session auth and routing together."""
    settings.SECRET_KEY_FROM_ENV = True  # the test key is random and long: production-grade
    application = importlib.import_module("destek.asgi").application
    good = session_headers(agent)
    foreign = [(b"origin", b"https://evil.example"), *good[1:]]

    async def scenario() -> None:
        refused = communicator(foreign, app=application)
        assert not (await refused.connect(timeout=TIMEOUT))[0]
        await refused.disconnect()
        ws = communicator(good, app=application)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        ticket = await sync_to_async(open_ticket)(customer=customer, department=department)
        assert await ws.receive_json_from(timeout=TIMEOUT) == changed(ticket)
        await ws.disconnect()

    async_to_sync(scenario)()


def test_staff_without_a_required_second_factor_are_refused(agent, settings):
    """Issue 12, hole 4: the desk's socket is a door too."""
    from allauth.mfa.models import Authenticator

    settings.DESTEK_REQUIRE_STAFF_MFA = True
    headers = session_headers(agent)

    async def attempt() -> tuple[bool, object]:
        ws = communicator(headers)
        result = await ws.connect(timeout=TIMEOUT)
        await ws.disconnect()
        return result

    assert async_to_sync(attempt)() == (False, 4403)
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert async_to_sync(attempt)()[0] is True
