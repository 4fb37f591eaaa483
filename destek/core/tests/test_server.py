"""`destek run --workers N`: web processes forked from one preloaded parent (destek.core.server)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from destek.core.server import DestekUvicornWorker, PreforkServer
from destek.core.testing import child_pids, memory_rollup
from destek.livechat.consumers.frames import CLOSE_NOT_FOUND


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(condition, what: str, log: Path, timeout_s: float = 90.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.3)
    pytest.fail(f"{what}:\n{log.read_text(errors='replace')[-3000:]}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


async def _visitor_close_code(port: int) -> int | None:
    async with connect(f"ws://127.0.0.1:{port}/ws/chat/visitor/?token=unknown",
                       origin=Origin("https://shop.example"), open_timeout=10) as socket_:
        try:
            await asyncio.wait_for(socket_.recv(), timeout=10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


def test_workers_are_forked_after_import_share_memory_and_restart_gracefully(tmp_path):
    port = _free_port()
    log = tmp_path / "web.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CELERY_BROKER_URL")}
    env.update(DESTEK_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="destek.settings",
               DEBUG="1", DESTEK_CHAT_ALLOWED_ORIGINS="https://shop.example")
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "destek.cli", "run", "--no-worker", "--no-demo", "--port",
             str(port), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(f"{url}/healthz"), "the server did not answer", log)
        workers = _wait(lambda: (c := child_pids(server.pid)) and len(c) == 2 and c,
                        "two workers did not start", log)
        parent_cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes()
        for pid in workers:
            # Forked, not spawned: a spawned process runs `python -c "from multiprocessing…"`
            # and imports everything again into memory of its own.
            assert Path(f"/proc/{pid}/cmdline").read_bytes() == parent_cmdline
        assert httpx.get(f"{url}/accounts/login/", timeout=5).status_code == 200
        # WebSockets too: a chat widget with an unknown conversation is told to start over.
        assert asyncio.run(_visitor_close_code(port)) == CLOSE_NOT_FOUND
        for pid in workers:
            # The imported code and data stay shared with the parent after requests (frozen
            # before fork): most of each worker's resident memory is not its own.
            memory = memory_rollup(pid)
            private = memory["Private_Clean"] + memory["Private_Dirty"]
            assert private < memory["Rss"] / 2, memory

        # SIGHUP: new workers from the same parent, and it keeps serving.
        os.kill(server.pid, signal.SIGHUP)
        _wait(lambda: len(child_pids(server.pid) - workers) == 2 and
              not (child_pids(server.pid) & workers), "the workers were not replaced", log)
        assert httpx.get(f"{url}/accounts/login/", timeout=5).status_code == 200
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    assert server.returncode == 0, log.read_text(errors="replace")[-3000:]


def test_the_worker_class_serves_as_destek_run_configures_uvicorn():
    server = PreforkServer(app="destek.asgi:application", host="127.0.0.1", port=8000,
                           workers=3)
    assert server.cfg.preload_app and server.cfg.workers == 3
    assert server.cfg.worker_class is DestekUvicornWorker
    assert DestekUvicornWorker.CONFIG_KWARGS["lifespan"] == "off"
    assert DestekUvicornWorker.CONFIG_KWARGS["ws_per_message_deflate"] is False
    assert DestekUvicornWorker.CONFIG_KWARGS["access_log"] is False
