"""A REAL Celery worker process on Redis builds an export: the request commits, the on-commit
task goes through the broker, the worker writes the ZIP (reading the attachment from the
shared media folder), marks the job done and queues the email in the outbox.

Needs PostgreSQL and REDIS_URL (as destek/notifications/tests/test_celery_worker.py); skipped
otherwise, a failure on CI (DESTEK_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from destek.core.testing import real_celery_worker
from destek.notifications.models import OutboundEmail
from destek.notifications.tasks import (
    DELIVERY_WAKEUP,
    deliver_outbox,
    deliver_outbox_due,
    deliver_outbox_many,
)
from destek.notifications.testing import render_outbox
from destek.privacy.export_models import ExportJob, ExportStatus
from destek.privacy.export_services import export_request
from destek.privacy.export_tasks import export_run
from destek.privacy.tests.conftest import add_ticket

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = 60


@pytest.fixture
def worker(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    DELIVERY_WAKEUP.woken()
    # The worker reads the attachments from, and writes the ZIP to, the test's media folder.
    with real_celery_worker(
            tmp_path, monkeypatch,
            (export_run, deliver_outbox, deliver_outbox_many, deliver_outbox_due),
            env={"DESTEK_MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as real:
        yield real.process, real.log
    # The worker's own email wake-up went to the default queue, which no worker of this test
    # reads: drop it from the test's Redis database.
    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("celery")


def test_a_real_worker_builds_the_export_and_emails_the_link(worker, customer, department,
                                                            agent):
    process, log = worker
    ticket = add_ticket(customer, department, agent, 1)
    job = export_request(actor=customer, customer=customer)  # commits: the task is sent

    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == ExportStatus.DONE:
            break
        if process.poll() is not None:
            pytest.fail(f"the worker exited:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.25)
    else:
        pytest.fail(f"export {job.status} after {DEADLINE_SECONDS}s; worker log:\n"
                    f"{log.read_text(errors='replace')[-4000:]}")

    assert (job.progress_done, job.progress_total) == (2, 2)  # profile, one ticket
    with job.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    (exported,) = json.loads(archive.read("tickets.json"))
    assert exported["reference"] == ticket.reference
    path = exported["messages"][0]["attachments"][0]["path"]
    assert archive.read(path) == b"log 1\n" * 50
    render_outbox()
    mail = OutboundEmail.objects.get(kind="export_ready")
    assert mail.recipients == [customer.email]
    assert f"/portal/data/exports/{job.pk}/download/" in mail.body_text
    assert ExportJob.objects.count() == 1
