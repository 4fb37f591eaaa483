"""Running an export job: build the ZIP, keep the progress bar moving, store the file, email
the person who asked. Also expiry (files deleted after DESTEK_EXPORT_EXPIRY_DAYS) and the
restart of jobs whose task was lost. Called by destek.privacy.export_tasks; every function
takes ids and can run twice without harm.
"""

from __future__ import annotations

import logging
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation

from destek.accounts.models import User
from destek.accounts.zones import user_zone
from destek.branding.brand import site_name
from destek.notifications.compose import AddressNotice
from destek.notifications.notify import notify_address
from destek.notifications.rendering import email_language
from destek.privacy.export_models import ACTIVE_STATUSES, ExportJob, ExportStatus
from destek.privacy.export_sources import EXPORT_SOURCES
from destek.privacy.export_writer import ExportWriter

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)
FORMAT_VERSION = 1
PROGRESS_INTERVAL_S = 1.0  # at most one progress write a second
STALLED_AFTER = timedelta(minutes=15)
EXPIRY_BATCH = 100


def expiry_days() -> int:
    return int(getattr(settings, "DESTEK_EXPORT_EXPIRY_DAYS", 7))


def export_build(*, customer: User, out: IO[bytes], progress: Progress) -> None:
    """Write everything Destek holds about `customer` as a ZIP into `out`."""
    total = sum(source.count(customer=customer) for source in EXPORT_SOURCES)
    done = 0
    progress(done, total)

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total)

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        writer = ExportWriter(archive, tick=lambda: progress(done, total))
        writer.document("export.json", {
            "format_version": FORMAT_VERSION,
            "generated_at": timezone.now(),
            "customer": customer.email,
            "site": getattr(settings, "DESTEK_SITE_NAME", "Destek"),
            "sections": [f"{source.name}.json" for source in EXPORT_SOURCES],
        })
        for source in EXPORT_SOURCES:
            source.write(customer=customer, writer=writer, step=step)


class ProgressWriter:
    """Writes the job's progress at most once per interval (and always the first and the
    last step), so a big export does not write a row per ticket."""

    def __init__(self, job_id: int, *, interval: float = PROGRESS_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.job_id = job_id
        self.interval = interval
        self.clock = clock
        self.last: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if (self.last is not None and done < total
                and now - self.last < self.interval):
            return
        self.last = now
        ExportJob.objects.filter(pk=self.job_id, status=ExportStatus.RUNNING).update(
            progress_done=done, progress_total=total, updated_at=timezone.now())


def export_download_path(job: ExportJob, *, for_user: User | None) -> str:
    """Customers download in the portal, administrators in the desk."""
    desk = for_user is not None and for_user.is_admin
    name = "desk:privacy_export_download" if desk else "portal:export_download"
    try:
        return reverse(name, kwargs={"export_id": job.pk})
    except NoReverseMatch:  # a UI is not installed: its documented path
        return f"/desk/privacy/exports/{job.pk}/download/" if desk \
            else f"/portal/data/exports/{job.pk}/download/"


def export_run(*, job_id: int, progress: Progress | None = None) -> ExportJob | None:
    """Build job `job_id`; None when there is nothing to do (finished, failed, gone)."""
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES).update(
            status=ExportStatus.RUNNING, updated_at=now):
        return None
    job = ExportJob.objects.select_related("customer", "requested_by").get(pk=job_id)
    with tempfile.TemporaryFile() as out:
        try:
            export_build(customer=job.customer, out=out, progress=progress or
                         ProgressWriter(job.pk))
        except Exception:
            logger.exception("Data export %s failed", job.pk)
            ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
                status=ExportStatus.FAILED, error="build failed", finished_at=timezone.now(),
                updated_at=timezone.now())
            return None
        size = out.tell()
        out.seek(0)
        return _store(job.pk, out, size)


def _store(job_id: int, out: IO[bytes], size: int) -> ExportJob | None:
    with transaction.atomic():
        job = (ExportJob.objects.select_for_update(of=("self",))
               .select_related("customer", "requested_by")
               .filter(pk=job_id).first())
        if job is None or job.status != ExportStatus.RUNNING:
            return None  # another run of this task finished it first
        old = job.file.name
        job.file.save("export.zip", File(out), save=False)
        if old:
            job.file.storage.delete(old)
        now = timezone.now()
        job.status = ExportStatus.DONE
        job.size = size
        job.progress_done = job.progress_total
        job.finished_at = now
        job.updated_at = now
        job.expires_at = now + timedelta(days=expiry_days())
        job.save(update_fields=["file", "status", "size", "progress_done", "finished_at",
                                "updated_at", "expires_at"])
        export_ready_notify(job)
    return job


def export_ready_notify(job: ExportJob) -> None:
    """Email the person who asked a link to the download (sign-in required there)."""
    recipient = job.requested_by
    if recipient is None or not recipient.is_active or job.expires_at is None:
        return
    language = email_language(recipient.language)
    base = settings.BASE_URL.rstrip("/")
    with translation.override(language):
        # In the recipient's own time zone, as every date in their emails.
        expires = formats.date_format(timezone.localtime(job.expires_at, user_zone(recipient)),
                                      "DATETIME_FORMAT")
    notice = AddressNotice(
        key="export_ready", to=[recipient.email], language=language,
        context={
            "recipient_name": recipient.display_name,
            "customer_name": job.customer.display_name,
            "customer_email": job.customer.email,
            "for_self": recipient.pk == job.customer_id,
            "download_url": base + export_download_path(job, for_user=recipient),
            "expires_at": expires,
            "site_name": site_name(),
        },
        headers={"Auto-Submitted": "auto-generated"},
    )
    notify_address(notice=notice, kind="export_ready",
                   idempotency_key=f"privacy-export-{job.pk}-ready")


def export_expire(*, now: datetime | None = None) -> int:
    """Delete the files of exports past their date; returns how many expired."""
    now = now or timezone.now()
    expired = 0
    while True:
        ids = list(ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)
                   .values_list("pk", flat=True)[:EXPIRY_BATCH])
        if not ids:
            return expired
        for job_id in ids:
            expired += _expire_one(job_id, now)


def _expire_one(job_id: int, now: datetime) -> int:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(
            pk=job_id, status=ExportStatus.DONE, expires_at__lte=now).first()
        if job is None:
            return 0
        name = job.file.name
        job.status = ExportStatus.EXPIRED
        job.file = ""
        job.updated_at = now
        job.save(update_fields=["status", "file", "updated_at"])
        if name:
            storage = job.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    return 1


def stalled_jobs(*, now: datetime | None = None) -> list[int]:
    """Queued or running jobs untouched for STALLED_AFTER: their task was lost."""
    now = now or timezone.now()
    return list(ExportJob.objects.filter(status__in=ACTIVE_STATUSES,
                                         updated_at__lt=now - STALLED_AFTER)
                .values_list("pk", flat=True)[:EXPIRY_BATCH])
