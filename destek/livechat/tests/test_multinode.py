"""Two real server processes (uvicorn on destek.asgi) sharing PostgreSQL and Redis: a customer
on one and an agent on the other chat normally, both ways.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; skipped otherwise (failed under
DESTEK_REQUIRE_SERVICES). The servers use this test's database, so the rows written here are
committed (transaction=True) and seen by them.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from destek.accounts.factories import MembershipFactory
from destek.livechat.services.conversations import chat_start
from destek.livechat.tests.conftest import SHOP, go_online
from destek.livechat.tokens import visitor_token

pytestmark = pytest.mark.django_db(transaction=True)
START_TIMEOUT_S = 60
FRAME_TIMEOUT_S = 10


def _services() -> bool:
    return (connection.vendor == "postgresql"
            and "redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[list[str]]:
    if not _services():
        if os.environ.get("DESTEK_REQUIRE_SERVICES"):
            pytest.fail("the multi-node chat test needs PostgreSQL and Redis")
        pytest.skip("needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": settings.SECRET_KEY, "DEBUG": "0",
           "ALLOWED_HOSTS": "127.0.0.1", "DESTEK_DATA_DIR": str(tmp_path),
           "DESTEK_CHAT_ALLOWED_ORIGINS": SHOP, "DJANGO_SETTINGS_MODULE": "destek.settings"}
    processes, urls = [], []
    try:
        for n in range(2):
            port = _free_port()
            log = (tmp_path / f"node{n}.log").open("wb")
            processes.append(subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "uvicorn", "destek.asgi:application", "--host",
                 "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + START_TIMEOUT_S
        for url_ in urls:
            while True:
                try:
                    if httpx.get(f"{url_}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    logs = "\n".join(p.read_text() for p in tmp_path.glob("node*.log"))
                    pytest.fail(f"the servers did not start:\n{logs}")
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test_customer_on_one_node_and_agent_on_the_other(two_nodes: list[str]) -> None:
    from websockets.asyncio.client import connect

    membership = MembershipFactory()
    agent = membership.agent
    go_online(agent)
    chat = chat_start(customer=None, name="Ayşe", email="ayse@example.com", topic="",
                      department_id=membership.department_id, language="tr")
    client = Client()
    client.force_login(agent)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    node_a, node_b = (u.replace("http://", "ws://") for u in two_nodes)

    async def until(ws, kind: str, **match: object) -> dict:  # type: ignore[no-untyped-def]
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def scenario() -> None:
        async with connect(f"{node_a}/ws/chat/visitor/?token={visitor_token(chat.public_id)}",
                           origin=SHOP) as customer, \
                connect(f"{node_b}/ws/chat/agent/", origin=two_nodes[1],  # type: ignore[arg-type]
                        additional_headers={"Cookie": cookie}) as desk:
            await until(desk, "hello")
            await desk.send(json.dumps({"type": "resume", "conversation": chat.pk,
                                        "after": chat.last_seq}))
            await until(desk, "state")
            await customer.send(json.dumps({"type": "resume", "after": chat.last_seq}))
            await customer.send(json.dumps({"type": "message", "client_id": "n-1",
                                            "body": "Sunucum çalışmıyor"}))
            ack = await until(customer, "ack")
            got = await until(desk, "message", side="visitor")
            assert (got["seq"], got["body"]) == (ack["seq"], "Sunucum çalışmıyor")
            await desk.send(json.dumps({"type": "message", "conversation": chat.pk,
                                        "client_id": "n-2", "body": "Hemen bakıyorum"}))
            reply = await until(customer, "message", side="agent")
            assert reply["body"] == "Hemen bakıyorum"
            await customer.send(json.dumps({"type": "typing", "active": True}))
            assert (await until(desk, "typing"))["side"] == "visitor"

    asyncio.run(scenario())
