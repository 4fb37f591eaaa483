"""What the export pages and the status endpoint show: typed rows built from the jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.privacy.export_models import ExportJob, ExportStatus


@dataclass(frozen=True)
class ExportRow:
    id: int
    status: str
    status_label: str
    is_active: bool
    is_ready: bool
    percent: int
    done: int
    total: int
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    size: int
    requested_by: str
    status_url: str
    download_url: str  # "" until it is ready

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "status_label": self.status_label,
                "percent": self.percent, "done": self.done, "total": self.total,
                "download_url": self.download_url or None}


def present_export(job: ExportJob, *, desk: bool) -> ExportRow:
    """`desk`: links into the desk's privacy pages (administrators), else the portal's."""
    prefix = "desk:privacy_export" if desk else "portal:export"
    ready = job.status == ExportStatus.DONE and bool(job.file)
    requester: User | None = job.requested_by
    return ExportRow(
        id=job.pk, status=job.status, status_label=str(job.get_status_display()),
        is_active=job.is_active, is_ready=ready, percent=job.percent,
        done=job.progress_done, total=job.progress_total, created_at=job.created_at,
        finished_at=job.finished_at, expires_at=job.expires_at, size=job.size,
        requested_by=(requester.display_name if requester is not None
                      else _("a deleted account")),
        status_url=reverse(f"{prefix}_status", kwargs={"export_id": job.pk}),
        download_url=(reverse(f"{prefix}_download", kwargs={"export_id": job.pk})
                      if ready else ""),
    )
