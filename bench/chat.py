"""Live chat load: many customer sockets on one server process, customer → agent latency.

    python -m bench.chat [--connections 1000] [--rate 50] [--duration 30] [--agents 10]
                         [--database-url postgres://…/destek_chat_bench]
                         [--redis-url redis://127.0.0.1:6379/6] [--out bench/results/chat.json]

1. Creates (or reuses) the database, migrates it, and writes a department, agents (online,
   with a concurrency limit that fits) and one active conversation per customer connection,
   assigned round-robin, plus the agents' sessions and the visitors' signed tokens.
2. Starts `destek run --workers 1` (one uvicorn process; PostgreSQL and the Redis channel
   layer) on 127.0.0.1 with the same SECRET_KEY.
3. Connects the agents (each resumes all its conversations) and then every customer (the
   `websockets` library), measures the server's RSS before and after (per connection).
4. Sends `--rate` customer messages per second in total, spread over random customers, for
   `--duration` seconds; each message's latency is the time from the customer's send to the
   agent's receipt of the forwarded message (matched by client id). Then waits at most 10 s
   for stragglers and counts what never arrived. Meanwhile every customer sends the widget's
   heartbeat (`{"type": "ping"}` every `--ping-interval` seconds, spread evenly), so idle
   connections cost what they cost in production.

The client runs on uvloop when it is installed (uvicorn[standard] brings it), so that the
1,000 client sockets in one Python process add as little as possible to the measured latency.
The JSON records the load average before and after: the machine may be shared.

Everything binds to 127.0.0.1 and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.machine import machine_info
from bench.server import Server, ServerConfig
from bench.stats import summarize_ms

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/destek_chat_bench"
SHOP = "https://shop.bench.example"
RESULTS = Path(__file__).resolve().parent / "results"


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted)) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def env_for(args: argparse.Namespace, secret: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, SECRET_KEY=secret,
               DEBUG="0", DESTEK_DATA_DIR=str(data_dir), ALLOWED_HOSTS="127.0.0.1",
               DESTEK_CHAT_ALLOWED_ORIGINS=SHOP, DJANGO_SETTINGS_MODULE="destek.settings",
               # the bench's customers send faster than a person types
               DESTEK_CHAT_RATE_PER_SECOND="50", DESTEK_CHAT_RATE_BURST="100")
    return env


SEED = r'''
import json, sys
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from destek.accounts.models import Department, DepartmentMembership, Role, User
from destek.livechat.models import ChatAgent, ChatMessage, Conversation, ChatStatus
from destek.livechat.tokens import visitor_token
n, agents = {n}, {agents}
ChatMessage.objects.all().delete(); Conversation.objects.all().delete()
department, _ = Department.objects.get_or_create(name="Bench chat")
people = []
for i in range(agents):
    agent, _ = User.objects.get_or_create(
        email=f"chat-agent{{i}}@bench.destek.test",
        defaults={{"role": Role.AGENT, "full_name": f"Agent {{i}}"}})
    DepartmentMembership.objects.get_or_create(department=department, agent=agent)
    ChatAgent.objects.update_or_create(agent=agent, defaults={{"status": ChatStatus.ONLINE,
        "max_chats": n, "last_seen_at": timezone.now()}})
    session = SessionStore()
    session["_auth_user_id"] = str(agent.pk)
    session["_auth_user_backend"] = "destek.accounts.backends.ModelBackend"
    session["_auth_user_hash"] = agent.get_session_auth_hash()
    session.create()
    people.append({{"id": agent.pk, "session": session.session_key}})
now = timezone.now()
chats = Conversation.objects.bulk_create([Conversation(
    visitor_name=f"Customer {{i}}", visitor_email=f"c{{i}}@bench.example", department=department,
    agent_id=people[i % agents]["id"], state="active", accepted_at=now) for i in range(n)])
out = {{"agents": people, "chats": [{{"id": c.pk, "agent": c.agent_id,
       "token": visitor_token(c.public_id)}} for c in chats]}}
print("SEED=" + json.dumps(out))
'''


def seed(env: dict[str, str], n: int, agents: int) -> dict[str, Any]:
    run = [sys.executable, "-m", "destek.cli"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True, timeout=600)
    out = subprocess.run([*run, "shell", "-v", "0", "-c", SEED.format(n=n, agents=agents)],
                         env=env, check=True, capture_output=True, text=True,
                         timeout=600).stdout
    line = next(x for x in out.splitlines() if x.startswith("SEED="))
    return json.loads(line.removeprefix("SEED="))


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def uvicorn_pids(server: Server) -> list[int]:
    """The processes serving sockets (the runner's children), not the `destek run` wrapper."""
    pids = server.pids()
    return pids[1:] if len(pids) > 1 else pids


async def run_load(args: argparse.Namespace, server: Server, data: dict[str, Any]
                   ) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    ws_base = server.url.replace("http://", "ws://")
    sent: dict[str, float] = {}
    latencies: list[float] = []
    received: set[str] = set()
    stop = asyncio.Event()

    async def agent_loop(agent: dict[str, Any], chats: list[int], ready: asyncio.Event) -> None:
        headers = {"Cookie": f"sessionid={agent['session']}"}
        async with connect(f"{ws_base}/ws/chat/agent/", origin=server.url,  # type: ignore[arg-type]
                           additional_headers=headers, max_queue=None) as ws:
            for pk in chats:
                await ws.send(json.dumps({"type": "resume", "conversation": pk,
                                          "after": 0}))
            ready.set()
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=1)
                except TimeoutError:
                    continue
                frame = json.loads(raw)
                if frame.get("type") == "message" and frame.get("side") == "visitor":
                    cid = frame["client_id"]
                    if cid in sent and cid not in received:
                        received.add(cid)
                        latencies.append(time.perf_counter() - sent[cid])

    by_agent: dict[int, list[int]] = {}
    for chat in data["chats"]:
        by_agent.setdefault(chat["agent"], []).append(chat["id"])
    readies = [asyncio.Event() for _ in data["agents"]]
    agent_tasks = [asyncio.create_task(agent_loop(a, by_agent.get(a["id"], []), r))
                   for a, r in zip(data["agents"], readies, strict=True)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=60)
    await asyncio.sleep(2)  # the resumes are processed

    rss_before = rss_kib(uvicorn_pids(server))
    customers: list[Any] = []
    connect_started = time.perf_counter()

    async def open_customer(chat: dict[str, Any]) -> Any:
        ws = await connect(f"{ws_base}/ws/chat/visitor/?token={chat['token']}", origin=SHOP,  # type: ignore[arg-type]
                           max_queue=None, open_timeout=30)
        await ws.send(json.dumps({"type": "resume", "after": 0}))
        return ws

    for start in range(0, len(data["chats"]), 50):  # 50 handshakes at a time
        batch = data["chats"][start:start + 50]
        customers.extend(await asyncio.gather(*(open_customer(c) for c in batch)))
    connect_seconds = time.perf_counter() - connect_started
    await asyncio.sleep(3)
    rss_after = rss_kib(uvicorn_pids(server))

    async def drain(ws: Any) -> None:  # customers ignore what they get (acks, echoes)
        try:
            async for _frame in ws:
                if stop.is_set():
                    return
        except Exception:  # noqa: S110 - closed at the end of the run
            pass

    drainers = [asyncio.create_task(drain(ws)) for ws in customers]
    pings = 0

    async def heartbeats() -> None:
        """Every customer pings once per interval, spread evenly over it (10 ticks/s)."""
        nonlocal pings
        if args.ping_interval <= 0:
            return
        per_tick = len(customers) / (args.ping_interval * 10)
        owed, index = 0.0, 0
        while not stop.is_set():
            await asyncio.sleep(0.1)
            owed += per_tick
            while owed >= 1:
                owed -= 1
                ws = customers[index % len(customers)]
                index += 1
                try:
                    await ws.send('{"type": "ping"}')
                    pings += 1
                except Exception:  # noqa: S110 - a closed socket is counted at the end
                    pass

    pinger = asyncio.create_task(heartbeats())
    interval = 1.0 / args.rate
    started = time.perf_counter()
    count = 0
    deadline = started + args.duration
    while time.perf_counter() < deadline:
        target = started + count * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        ws = random.choice(customers)
        cid = uuid.uuid4().hex
        sent[cid] = time.perf_counter()
        await ws.send(json.dumps({"type": "message", "client_id": cid, "body": f"bench {count}"}))
        count += 1
    send_seconds = time.perf_counter() - started
    wait_until = time.perf_counter() + 10
    while len(received) < len(sent) and time.perf_counter() < wait_until:
        await asyncio.sleep(0.1)
    stop.set()
    open_at_end = sum(1 for ws in customers if ws.state.name == "OPEN")
    for ws in customers:
        await ws.close()
    for task in [*drainers, *agent_tasks, pinger]:
        task.cancel()
    await asyncio.gather(*drainers, *agent_tasks, pinger, return_exceptions=True)
    return {
        "connections": len(customers), "open_at_end": open_at_end,
        "connect_seconds": round(connect_seconds, 2),
        "messages_sent": len(sent), "messages_received_by_agents": len(received),
        "lost": len(sent) - len(received),
        "send_rate_per_s": round(len(sent) / send_seconds, 2),
        "heartbeat_pings": pings,
        "latency_customer_to_agent_ms": summarize_ms(latencies),
        "server_rss_kib_before": rss_before, "server_rss_kib_after": rss_after,
        "rss_kib_per_connection": round((rss_after - rss_before) / max(1, len(customers)), 1),
    }


def run_async(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chat")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CHAT_DATABASE_URL",
                                                                 DEFAULT_DB))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--ping-interval", type=float, default=25.0,
                        help="each customer's heartbeat, as the widget sends it (0: none)")
    parser.add_argument("--out", type=Path, default=RESULTS / "chat.json")
    args = parser.parse_args(argv)
    fds = raise_fd_limit(args.connections * 3 + 1024)  # the server inherits the limit
    secret = secrets.token_urlsafe(48)
    ensure_database(args.database_url)
    server = Server(ServerConfig(database_url=args.database_url, workers=1,
                                 redis_url=args.redis_url))
    env = env_for(args, secret, server.data_dir)
    data = seed(env, args.connections, args.agents)
    server.config.extra_env = {k: env[k] for k in (
        "SECRET_KEY", "DESTEK_CHAT_ALLOWED_ORIGINS", "DESTEK_CHAT_RATE_PER_SECOND",
        "DESTEK_CHAT_RATE_BURST")}
    load_before = os.getloadavg()
    with server:
        result = run_async(asyncio.wait_for(run_load(args, server, data),
                                            timeout=args.duration + 300))
        result["server_cpu_seconds"] = round(server.cpu_seconds(), 1)
    report = {"benchmark": "chat", "fd_limit": fds, "rate_per_s": args.rate,
              "duration_s": args.duration, "agents": args.agents,
              "ping_interval_s": args.ping_interval,
              "load_average_before": [round(x, 2) for x in load_before],
              "load_average_after": [round(x, 2) for x in os.getloadavg()],
              "machine": machine_info(), **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
