"""Answer-all with a REAL Celery worker on Redis and PostgreSQL: the batches follow each other
through the broker (on the test's own queue), each linked ticket gets the reply once, and
the progress reaches the total. Skipped without PostgreSQL and Redis (destek.core.testing)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from destek.accounts.factories import CustomerFactory
from destek.core.testing import RealWorker, real_celery_worker
from destek.hosting.factories import ServiceFactory
from destek.status.factories import ComponentFactory
from destek.status.linked_replies import linked_reply_start, send_linked_reply
from destek.status.models import LinkedReply, LinkedReplyState
from destek.status.services import IncidentDraft, incident_create
from destek.tickets.factories import open_ticket
from destek.tickets.models import Channel, Message

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = 60


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RealWorker]:
    with real_celery_worker(tmp_path, monkeypatch, (send_linked_reply,),
                            env={"DESTEK_INCIDENT_REPLY_BATCH": "2"}) as running:
        yield running


def test_a_real_worker_answers_every_linked_ticket_once_in_batches(
        worker, agent, department) -> None:
    component = ComponentFactory(servers=["web-09"])
    incident = incident_create(actor=agent, draft=IncidentDraft(
        title="Web-09 down", body="Looking.", components=[component]))
    tickets = []
    for i in range(5):
        person = CustomerFactory()
        ServiceFactory(customer=person, server="web-09")
        tickets.append(open_ticket(customer=person, department=department, subject=f"D{i}"))
    body = "The server is back."
    reply = linked_reply_start(actor=agent, incident=incident, body=body, resolve=False,
                               token="worker")
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        reply.refresh_from_db()
        if reply.state == LinkedReplyState.DONE:
            break
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited:\n{worker.output()}")
        time.sleep(0.25)
    else:
        pytest.fail(f"not done in {DEADLINE_SECONDS}s ({reply.done}/{reply.total});\n"
                    f"{worker.output()}")
    assert (reply.done, reply.total) == (5, 5)
    sent = list(Message.objects.filter(body_text=body, channel=Channel.DESK)
                .values_list("ticket_id", flat=True))
    assert sorted(sent) == sorted(t.pk for t in tickets)
    assert LinkedReply.objects.count() == 1
