"""CSV imports of services: upload (checked), preview (nothing written), then the import in
the background, in chunks, through `hosting.sync` — the engine the API and WHMCS use.

`import_run` is what the Celery task runs (and the benchmark): it resumes a job where a dead
worker left it, and each chunk it applies twice changes nothing the second time."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from destek.accounts.models import Organization, User
from destek.core.errors import ApplicationError
from destek.hosting import sync
from destek.hosting.csv_rows import Chunk, CsvRefused, decode, open_text, records
from destek.hosting.models import CustomerValue, ImportJob, ImportState, Service
from destek.hosting.records import RowError, SyncReport
from destek.hosting.sql import analyze
from destek.hosting.validation import Invalid, clean_source

MAX_IMPORT_BYTES = 64 * 1024 * 1024
PREVIEW_ROWS = 20
CHUNK_LINES = 5000
MAX_STORED_ERRORS = 10_000
# A running job whose worker has not written for this long is resumed by the sweep.
STALLED_AFTER = timedelta(minutes=10)


def import_upload(*, actor: User, upload: UploadedFile, source: str = "csv") -> ImportJob:
    """Check the file (size, UTF-8 text, known columns) and keep it for the preview."""
    try:
        source = clean_source(source)
    except Invalid as exc:
        raise ApplicationError(exc.message, field="source") from None
    if not upload.size:
        raise ApplicationError(_("The file is empty."), field="file")
    if upload.size > MAX_IMPORT_BYTES:
        raise ApplicationError(_("The file is larger than %(size)d MB: split it.")
                               % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}, field="file")
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    try:
        lines = open_text(decode(raw))
        total = sum(1 for _line in lines.rows)
    except CsvRefused as exc:
        raise ApplicationError(exc.message, field="file") from None
    except ValueError as exc:  # csv.Error: a quote never closed, a line too long
        raise ApplicationError(_("The file cannot be read as CSV: %(error)s")
                               % {"error": str(exc)[:200]}, field="file") from None
    if not total:
        raise ApplicationError(_("The file has no lines after its header."), field="file")
    job = ImportJob(created_by=actor, source=source, size=len(raw), total=total,
                    file_name=(upload.name or "import.csv")[-200:],
                    language=(get_language() or "en")[:8])
    job.file.save("import.csv", ContentFile(raw), save=False)
    job.save()
    return job


@dataclass(frozen=True)
class PreviewLine:
    line: int
    values: list[str]
    errors: list[str]


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    lines: list[PreviewLine]
    total: int
    with_errors: int


class _DryRun(Exception):
    pass


def import_preview(*, job: ImportJob, rows: int = PREVIEW_ROWS) -> Preview:
    """The first lines as they would be imported, each with its errors: applied in a
    transaction that is rolled back, so the checks are the real ones and nothing stays."""
    opened = open_text(_text(job))
    first = list(itertools.islice(opened.rows, rows))
    chunk = records(first)
    report = SyncReport()
    try:
        with transaction.atomic():
            report = sync.apply(source=job.source, organizations=chunk.organizations,
                                customers=chunk.customers, services=chunk.services)
            raise _DryRun
    except _DryRun:
        pass
    by_line: dict[int, list[str]] = {}
    for error in [*chunk.errors, *(chunk.line_of(e) for e in report.errors)]:
        if error.row is not None:
            by_line.setdefault(error.row, []).append(error.message)
    lines = [PreviewLine(line=line, values=[values.get(c, "") for c in opened.columns],
                         errors=by_line.get(line, [])) for line, values in first]
    return Preview(columns=opened.columns, lines=lines, total=job.total,
                   with_errors=sum(1 for p in lines if p.errors))


def import_run(*, job_id: int, chunk_lines: int = CHUNK_LINES) -> ImportJob:
    """Import the job's lines from where it stands, in chunks; idempotent."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.state not in (ImportState.QUEUED, ImportState.RUNNING):
            return job
        job.state = ImportState.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["state", "started_at", "heartbeat_at"])
    try:
        rows = open_text(_text(job)).rows
        for _skipped in itertools.islice(rows, job.done):
            pass
        sent: set[object] = set()
        grown, analyzed_at = 0, 0
        while True:
            chunk = records(itertools.islice(rows, chunk_lines))
            if not chunk.lines:
                break
            _owners_once(chunk, sent)
            report = sync.apply(source=job.source, organizations=chunk.organizations,
                                customers=chunk.customers, services=chunk.services,
                                language=job.language)
            _progress(job, chunk, report)
            grown += report.total("created")
            if grown > 2 * analyzed_at:  # the tables have doubled (or more) since
                analyze(models=[Service, User, Organization, CustomerValue])
                analyzed_at = grown
    except Exception as exc:
        job.state = ImportState.FAILED
        job.failure = f"{type(exc).__name__}: {exc}"[:2000]
        _finish(job)
        raise
    job.state = ImportState.DONE
    _finish(job)
    return job


def _owners_once(chunk: Chunk, sent: set[object]) -> None:
    """Drop the owners an earlier chunk of this run already sent as they are (a customer with
    many services is on many lines): 56,000 of 96,000 customer records in the benchmark's
    file, each one an `unchanged` read and comparison."""
    keep = [(r, line) for r, line in zip(chunk.organizations, chunk.organization_lines,
                                         strict=True) if r not in sent]
    chunk.organizations = [r for r, _line in keep]
    chunk.organization_lines = [line for _r, line in keep]
    people = [(r, line) for r, line in zip(chunk.customers, chunk.customer_lines, strict=True)
              if r not in sent]
    chunk.customers = [r for r, _line in people]
    chunk.customer_lines = [line for _r, line in people]
    sent.update(chunk.organizations)
    sent.update(chunk.customers)


def stalled_imports() -> list[int]:
    """Jobs queued or running that nobody has worked on for a while (their worker died)."""
    before = timezone.now() - STALLED_AFTER
    return list(ImportJob.objects.filter(state__in=[ImportState.QUEUED, ImportState.RUNNING])
                .exclude(heartbeat_at__gt=before).exclude(created_at__gt=before)
                .values_list("pk", flat=True)[:100])


def errors_as_rows(job: ImportJob) -> list[list[Any]]:
    """The errors as CSV rows (line, kind, external id, message), a header first."""
    rows: list[list[Any]] = [[_("line"), _("record"), _("external id"), _("error")]]
    rows += [[e.get("line") or "", e.get("kind", ""), e.get("external_id", ""),
              e.get("message", "")] for e in job.errors]
    if job.error_count > len(job.errors):
        rows.append(["", "", "", _("… and %(count)d more errors not kept.")
                     % {"count": job.error_count - len(job.errors)}])
    return rows


def _text(job: ImportJob) -> str:
    with job.file.open("rb") as handle:
        return decode(handle.read())


def _progress(job: ImportJob, chunk: Chunk, report: SyncReport) -> None:
    errors = [*chunk.errors, *(chunk.line_of(e) for e in report.errors)]
    errors.sort(key=lambda e: e.row or 0)
    room = MAX_STORED_ERRORS - len(job.errors)
    job.errors = [*job.errors, *(_error_row(e) for e in errors[:max(0, room)])]
    job.error_count += len(errors)
    counts = job.counts or {}
    for outcome in ("created", "updated", "unchanged"):
        bucket = counts.setdefault(outcome, {})
        for kind, n in getattr(report, outcome).items():
            bucket[kind] = bucket.get(kind, 0) + n
    job.counts = counts
    job.done = min(job.total, job.done + chunk.lines) if job.total else job.done + chunk.lines
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["errors", "error_count", "counts", "done", "heartbeat_at"])


def _error_row(error: RowError) -> dict[str, Any]:
    return {"line": error.row, "kind": error.kind, "external_id": error.external_id,
            "message": error.message}


def _finish(job: ImportJob) -> None:
    job.finished_at = timezone.now()
    forget_file(job)
    job.save(update_fields=["state", "failure", "finished_at", "file"])


def forget_file(job: ImportJob) -> None:
    """Delete the uploaded file once this commits (the job keeps its counts and errors)."""
    name, storage = job.file.name, job.file.storage
    if name:
        job.file = None
        transaction.on_commit(lambda: storage.delete(name))

