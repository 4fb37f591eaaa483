"""Crash test: a real Celery worker delivering the webhooks of real tickets (created and
answered through the funnel) is SIGKILLed while a request is in flight; a second worker,
fed by the beat sweep, finishes. The receiver, a real HTTP server on 127.0.0.1, got every
event with a valid signature; deduped on Destek-Event-Id (as docs/webhooks.md tells
receivers to) each arrived exactly once, and the only raw duplicate is the request the
killed worker had in flight (at least once: it reached the receiver, the worker died before
recording it, so it is sent again with the same event id).

Needs PostgreSQL and REDIS_URL (skipped otherwise, unless DESTEK_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from destek.core.testing import real_celery_worker
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Channel
from destek.webhooks import services, tasks
from destek.webhooks.delivery import OPEN_STATES
from destek.webhooks.models import Delivery, DeliveryState, EventType

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

TICKETS = 6
SLOW_REQUEST = 5  # the request the receiver holds while the worker is killed
DEADLINE_SECONDS = 180


def _wait(condition, what: str, worker_output, *, every=None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE_SECONDS
    next_call = 0.0
    while not condition():
        if time.monotonic() > deadline:
            states = list(Delivery.objects.values_list("state", "attempts", "last_error"))
            pytest.fail(f"{what} not reached in {DEADLINE_SECONDS}s; deliveries {states}; "
                        f"worker:\n{worker_output()}")
        if every is not None and time.monotonic() > next_call:
            next_call = time.monotonic() + 2.0
            every()
        time.sleep(0.05)


def test_each_event_arrives_once_by_its_id_although_a_worker_is_killed_mid_delivery(
        tmp_path, monkeypatch, settings, receiver, admin, customer, department, agent):
    settings.DESTEK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    env = {"SECRET_KEY": settings.SECRET_KEY, "DESTEK_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
           "DESTEK_WEBHOOK_TIMEOUT_SECONDS": "60"}
    _endpoint, secret = services.endpoint_create(
        actor=admin, name="Receiver", kind="webhook", url=receiver.url,
        events=[e for e in EventType.values if e != EventType.TEST])
    held = threading.Event()

    def slow_once(_request, number):  # type: ignore[no-untyped-def]
        if number == SLOW_REQUEST:
            held.set()
            return 200, 30.0
        return 200, 0.0

    receiver.behaviour = slow_once
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()

    with real_celery_worker(tmp_path / "first", monkeypatch, [tasks.deliver], env=env) as first:
        def kill_when_held() -> None:
            if held.wait(DEADLINE_SECONDS):
                first.process.send_signal(signal.SIGKILL)  # the request is in flight
        killer = threading.Thread(target=kill_when_held, daemon=True)
        killer.start()
        for n in range(TICKETS):
            ticket = open_ticket(customer=customer, department=department,
                                 subject=f"Site {n} is down")
            reply(ticket=ticket, author=customer, body="Still down", channel=Channel.PORTAL)
            reply(ticket=ticket, author=agent, body="Looking into it")
        killer.join(DEADLINE_SECONDS)
        assert held.is_set(), first.output()
        first.process.wait(timeout=30)
        assert first.process.returncode == -signal.SIGKILL

    events = dict(Delivery.objects.values_list("pk", "event_id"))
    assert len(events) >= TICKETS * 3
    # The dead worker held exactly the row it was sending; the rest wait, unclaimed.
    leased = list(Delivery.objects.filter(state__in=OPEN_STATES, leased_until__isnull=False))
    assert len(leased) == 1 and leased[0].attempts == 1
    in_flight = str(leased[0].event_id)
    assert receiver.count()[in_flight] == 1
    # Minutes pass: the lease runs out, the rows are past the sweep's grace (what beat's
    # "webhook-sweep" sees then).
    past = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(state__in=OPEN_STATES).update(next_attempt_at=past)
    Delivery.objects.filter(pk=leased[0].pk).update(leased_until=past)

    with real_celery_worker(tmp_path / "second", monkeypatch, [tasks.deliver],
                            env=env) as second:
        _wait(lambda: not Delivery.objects.exclude(state=DeliveryState.DELIVERED).exists(),
              "every delivery delivered", second.output, every=tasks.sweep_webhooks)

    counts = receiver.count()
    assert set(counts) == {str(e) for e in events.values()}  # every event arrived…
    assert all(r.signed_by(secret) for r in receiver.received)  # …signed
    for request in receiver.received:
        assert json.loads(request.body)["id"] == request.event_id
    duplicates = {event_id: n for event_id, n in counts.items() if n > 1}
    assert duplicates == {in_flight: 2}  # only the request in flight at the kill, once more
    # Deduped on Destek-Event-Id, each event once: the same event, the same data.
    first_copy, second_copy = (json.loads(r.body) for r in receiver.received
                               if r.event_id == in_flight)
    assert first_copy == second_copy
    assert Delivery.objects.get(pk=leased[0].pk).attempts == 2
    print(f"\nwebhook crash test: {len(events)} events, {len(receiver.received)} requests, "
          f"duplicates by event id: {duplicates}")
