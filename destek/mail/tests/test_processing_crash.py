"""Crash test: real Celery workers on Redis are SIGKILLed at random moments while 2,000 emails
(new tickets and replies) are ingested; afterwards every email is filed exactly once.

Needs PostgreSQL (worker processes must see the test database) and REDIS_URL; skipped
otherwise, unless DESTEK_REQUIRE_SERVICES=1 (CI). The workers use a Redis database of their
own (DESTEK_CRASH_REDIS_DB, default 10) so no other worker can take their tasks.
DESTEK_CRASH_MESSAGES changes the number of emails (default 2000).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db.models import Count

from destek.accounts.factories import CustomerFactory
from destek.celery import app
from destek.core.testing import missing_service, worker_database_url
from destek.mail import processing, tasks
from destek.mail.models import InboundEmail, InboundState, Mailbox
from destek.mail.store import store_raw
from destek.mail.tasks import process_inbound_email, process_waiting_inbound
from destek.notifications import tasks as outbox_tasks
from destek.notifications.envelope import thread_id
from destek.tickets.factories import open_ticket
from destek.tickets.models import Message, Ticket

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

WORKERS = 2
SEED_TICKETS = 50
DEADLINE_SECONDS = 600


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing_service("REDIS_URL is not set: there is no broker for real workers")
    parts = urlsplit(url)
    db = os.environ.get("DESTEK_CRASH_REDIS_DB", "10")
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


class Workers:
    """Worker processes that can be killed and replaced."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.kills = 0

    def start(self) -> None:
        self.started += 1
        log = (self.log_dir / f"worker-{self.started}.log").open("wb")
        self.processes.append(subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "celery", "-A", "destek", "worker", "--pool=solo",
             "-n", f"crash{self.started}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=WARNING"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        ))

    def kill_one(self, rng: random.Random) -> None:
        victim = rng.choice(self.processes)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        self.processes.remove(victim)
        self.kills += 1
        self.start()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-1500:]
                         for p in sorted(self.log_dir.glob("worker-*.log")))


@pytest.fixture
def workers(tmp_path: Path, settings) -> Iterator[Workers]:  # type: ignore[no-untyped-def]
    database_url = worker_database_url()
    broker = _redis_url()
    app.connection_for_write(broker).default_channel.client.flushdb()
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "destek.settings",
        # The workers share this process's cache (REDIS_URL): stores coalesce their wake-ups.
        "DATABASE_URL": database_url, "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": broker,
        "DESTEK_DATA_DIR": str(tmp_path / "worker-data"), "DESTEK_EMAIL_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "0", "DEBUG": "0", "DESTEK_LOG_LEVEL": "WARNING",
        "DEFAULT_FROM_EMAIL": "Destek <support@destek.example>",
        "SECRET_KEY": settings.SECRET_KEY, "DESTEK_MAIL_CLAIM_SECONDS": "8",
    }
    group = Workers(env, tmp_path)
    try:
        yield group
    finally:
        group.stop()


def _mail(*, sender: str, subject: str, body: str, message_id: str,
          in_reply_to: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@destek.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def test_every_email_is_filed_exactly_once_while_workers_are_killed(
        workers, department, settings, monkeypatch):
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    total = int(os.environ.get("DESTEK_CRASH_MESSAGES", "2000"))
    rng = random.Random(20261130)
    Mailbox.objects.create(name="Support", address="support@destek.example",
                           department=department)
    monkeypatch.setattr(outbox_tasks, "enqueue", lambda _pk: None)  # seeding: no deliveries here
    seeded = []
    for i in range(SEED_TICKETS):
        customer = CustomerFactory(email=f"seed{i}@example.org")
        seeded.append((customer.email, thread_id(open_ticket(customer=customer,
                                                             department=department))))
    tickets_before, messages_before = Ticket.objects.count(), Message.objects.count()
    broker = app.connection_for_write(workers.env["CELERY_BROKER_URL"])
    monkeypatch.setattr(tasks, "enqueue", lambda pk: process_inbound_email.apply_async(
        (pk,), connection=broker))
    wake_ups: list[int] = []

    def publish_wake_up() -> None:
        wake_ups.append(1)
        process_waiting_inbound.apply_async(connection=broker)

    monkeypatch.setattr(tasks, "publish", publish_wake_up)
    assert tasks.WAKEUP.coalescing()  # Redis is the cache: a burst of stores wakes few tasks
    emails = []
    for n in range(total):
        if n % 2:
            sender, root = rng.choice(seeded)
            emails.append(_mail(sender=sender, subject="Re: more", body=f"reply {n}",
                                message_id=f"reply-{n}@example.org", in_reply_to=root))
        else:
            emails.append(_mail(sender=f"new{n}@example.net", subject=f"Problem {n}",
                                body=f"new {n}", message_id=f"new-{n}@example.net"))
    for _ in range(WORKERS):
        workers.start()

    stop_killing = threading.Event()

    def killer() -> None:
        while not stop_killing.wait(rng.uniform(0.5, 3.0)):
            workers.kill_one(rng)

    killing = threading.Thread(target=killer, daemon=True)
    killing.start()
    pending = InboundEmail.objects.filter(state=InboundState.PENDING)
    try:
        for raw in emails:
            store_raw(raw=raw, source="smtp")
        # Keep killing while most of the work is still ahead.
        while pending.count() > total // 3 and workers.kills < 40:
            time.sleep(0.5)
    finally:
        stop_killing.set()
        killing.join(timeout=15)

    deadline = time.monotonic() + DEADLINE_SECONDS
    while pending.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{pending.count()} emails still pending; logs:\n{workers.logs()}")
        # What beat's sweep does every minute: re-enqueue rows whose task died with a worker.
        for pk in processing.sweep(older_than=timedelta(seconds=1))[:50]:
            tasks.enqueue(pk)
        time.sleep(1.0)

    print(f"\ncrash test: {total} emails, {workers.kills} worker processes killed (SIGKILL), "
          f"{len(wake_ups)} wake-up tasks published by the stores")
    states = dict(InboundEmail.objects.values_list("state").annotate(n=Count("pk")))
    assert states == {InboundState.PROCESSED: total}, (states, list(
        InboundEmail.objects.exclude(state=InboundState.PROCESSED).values_list("error")[:5]))
    assert workers.kills >= 3
    assert len(wake_ups) < total // 2  # coalesced (one task per email without it)
    assert Ticket.objects.count() - tickets_before == total // 2 + total % 2
    assert Message.objects.count() - messages_before == total
    duplicated = (Message.objects.exclude(external_id="").values("external_id")
                  .annotate(n=Count("pk")).filter(n__gt=1))
    assert not duplicated.exists()
    assert not InboundEmail.objects.filter(ticket_message__isnull=True).exists()
