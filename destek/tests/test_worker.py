"""`celery -A destek.worker worker --beat --smtpd-port P`: one worker process tree with its
pool, the embedded scheduler and the SMTP door, all forked after the imports (destek.worker).

A REAL worker on the suite's PostgreSQL database and REDIS_URL (skipped otherwise, unless
DESTEK_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from destek.core.testing import (
    child_pids,
    memory_rollup,
    missing_service,
    worker_database_url,
)
from destek.mail.models import InboundEmail
from destek.mail.tests.doors_helpers import free_port, make_mailbox, message_bytes

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def _listener(port: int) -> int | None:
    """The process listening on 127.0.0.1:`port`."""
    inodes = {line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
              if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
            except OSError:
                continue
            if any(f"socket:[{inode}]" in links for inode in inodes):
                return int(entry.name)
    return None


def _wait(condition, what: str, log: Path, timeout_s: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.3)
    pytest.fail(f"{what}:\n{log.read_text(errors='replace')[-4000:]}")


def _send(port: int, address: str, subject: str) -> int:
    """Send one message; return the id the door put in its 250 reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        client.mail("deniz@customer.example")
        client.rcpt(address)
        code, reply = client.data(message_bytes(subject=subject, body="Hello."))
    assert code == 250, reply
    return int(reply.decode().rsplit(" ", 1)[1])


def test_one_worker_runs_its_pool_beat_and_the_smtp_door(tmp_path, department):
    database_url = worker_database_url()
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing_service("REDIS_URL is not set: there is no broker for a real worker")
    mailbox = make_mailbox(department=department)
    port = free_port()
    schedule = tmp_path / "beat-schedule"
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "destek.settings",
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
           "DESTEK_DATA_DIR": str(tmp_path / "data"), "DESTEK_EMAIL_URL": "",
           "CELERY_TASK_ALWAYS_EAGER": "0", "DEBUG": "0"}
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "celery", "-A", "destek.worker", "worker", "--concurrency",
             "1", "--beat", "--schedule", str(schedule), "--smtpd-port", str(port),
             # A queue of its own: another test run's tasks on this Redis are not ours.
             "--queues", f"destek-test-{uuid.uuid4().hex[:12]}", "--without-gossip",
             "--without-mingle", "--loglevel", "INFO"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        door = _wait(lambda: _listener(port), "the SMTP door did not start", log)
        # One child of the pool, one scheduler, one door: all forked from the worker.
        children = _wait(lambda: (c := child_pids(worker.pid)) and len(c) == 3 and c,
                         "the worker did not fork its pool, beat and the door", log)
        assert door in children
        assert Path(f"/proc/{door}/cmdline").read_bytes() == \
            Path(f"/proc/{worker.pid}/cmdline").read_bytes()
        _wait(lambda: any(tmp_path.glob("beat-schedule*")), "beat did not start", log)
        for pid in children:
            # Each was forked from a frozen parent, whichever started first: most of its
            # memory is still shared with the others.
            memory = memory_rollup(pid)
            private = memory["Private_Clean"] + memory["Private_Dirty"]
            assert private < memory["Rss"] / 2, (pid, memory)

        # The door answers 250 only once the message is committed.
        stored = _send(port, mailbox.address, "Through the worker's door")
        assert InboundEmail.objects.filter(pk=stored).exists()

        # A door that dies is started again by the worker, and takes mail again.
        os.kill(door, signal.SIGKILL)
        again = _wait(lambda: (pid := _listener(port)) and pid != door and pid,
                      "the SMTP door was not started again", log, timeout_s=30)
        assert again in child_pids(worker.pid)
        assert InboundEmail.objects.filter(
            pk=_send(port, mailbox.address, "After a restart")).exists()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
    # Stopping the worker stops the door with it.
    assert _listener(port) is None, log.read_text(errors="replace")[-4000:]
    assert "Traceback" not in log.read_text(errors="replace")
