"""Admin → Hosting services → Import CSV: upload, preview, import in the background with a
progress bar (htmx polls a fragment until the job ends), errors as a CSV download.

Thin views: the checks, the preview and the import are `hosting.imports`' and
`hosting.import_actions`'."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from destek.accounts.models import User
from destek.core.errors import ApplicationError
from destek.hosting.csv_rows import ATTRIBUTE_PREFIX, OWNER_COLUMNS, SERVICE_COLUMNS
from destek.hosting.import_actions import import_cancel, import_start
from destek.hosting.imports import MAX_IMPORT_BYTES, errors_as_rows, import_preview, import_upload
from destek.hosting.models import ImportJob, ImportState


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    source = forms.CharField(
        label=gettext_lazy("source"), max_length=32, initial="csv",
        help_text=gettext_lazy("Where the services come from. Importing the same source again "
                               "updates its services instead of adding them twice."))


@dataclass(frozen=True)
class CountRow:
    label: str
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class Progress:
    """What the progress fragment shows."""

    job_id: int
    file_name: str
    state: str
    finished: bool
    failed: bool
    percent: int
    done: int
    total: int
    counts: list[CountRow]
    error_count: int
    poll_url: str
    errors_url: str
    failure: str


def progress_of(job: ImportJob) -> Progress:
    labels = {"organization": _("Organizations"), "customer": _("Customers"),
              "service": _("Services")}
    counts = job.counts or {}
    rows = [CountRow(label=label, created=counts.get("created", {}).get(kind, 0),
                     updated=counts.get("updated", {}).get(kind, 0),
                     unchanged=counts.get("unchanged", {}).get(kind, 0))
            for kind, label in labels.items()]
    return Progress(job_id=job.pk, file_name=job.file_name, state=job.get_state_display(),
                    finished=job.finished, failed=job.state == ImportState.FAILED,
                    percent=job.percent, done=job.done, total=job.total, counts=rows,
                    error_count=job.error_count,
                    poll_url=reverse("admin:hosting_service_import_progress", args=[job.pk]),
                    errors_url=reverse("admin:hosting_service_import_errors", args=[job.pk]),
                    failure=job.failure)


class ServiceImportAdmin(admin.ModelAdmin):
    """The services' admin, with its pages for importing a CSV (whoever may add services)."""

    change_list_template = "admin/hosting/service/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_upload_view), name="hosting_service_import"),
            path("import/<int:job_id>/", view(self.import_preview_view),
                 name="hosting_service_import_preview"),
            path("import/<int:job_id>/progress/", view(self.import_progress_view),
                 name="hosting_service_import_progress"),
            path("import/<int:job_id>/errors.csv", view(self.import_errors_view),
                 name="hosting_service_import_errors"),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, job_id: int) -> ImportJob:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return get_object_or_404(ImportJob, pk=job_id)

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "title": title,
                "opts": ImportJob._meta, **extra}

    def import_upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_upload(actor=_user(request), upload=form.cleaned_data["file"],
                                    source=form.cleaned_data["source"])
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return HttpResponseRedirect(
                    reverse("admin:hosting_service_import_preview", args=[job.pk]))
        return TemplateResponse(request, "admin/hosting/import_upload.html", self._context(
            request, _("Import services from a CSV file"), form=form,
            service_columns=SERVICE_COLUMNS, owner_columns=OWNER_COLUMNS,
            attribute_prefix=ATTRIBUTE_PREFIX, max_mb=MAX_IMPORT_BYTES // (1024 * 1024)))

    def import_preview_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._job(request, job_id)
        if job.state != ImportState.UPLOADED:
            return HttpResponseRedirect(
                reverse("admin:hosting_service_import_progress", args=[job.pk]))
        if request.method == "POST":
            if "cancel" in request.POST:
                import_cancel(job=job)
                messages.info(request, _("The import was cancelled; nothing was written."))
                return HttpResponseRedirect(reverse("admin:hosting_service_changelist"))
            import_start(job=job)
            return HttpResponseRedirect(
                reverse("admin:hosting_service_import_progress", args=[job.pk]))
        return TemplateResponse(request, "admin/hosting/import_preview.html", self._context(
            request, _("Check the import"), job=job, preview=import_preview(job=job)))

    def import_progress_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._job(request, job_id)
        progress = progress_of(job)
        if request.headers.get("HX-Request"):
            return TemplateResponse(request, "admin/hosting/_import_progress.html",
                                    {"progress": progress})
        return TemplateResponse(request, "admin/hosting/import_progress.html", self._context(
            request, _("Importing services"), progress=progress))

    def import_errors_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = self._job(request, job_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        response.write("\ufeff")  # spreadsheets read the Turkish letters right with a BOM
        writer = csv.writer(response)
        for row in errors_as_rows(job):
            writer.writerow([_spreadsheet_safe(cell) for cell in row])
        return response


def _spreadsheet_safe(cell: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "created_by", "created_at", "state", "progress",
                    "error_count", "finished_at"]
    list_filter = ["state", "source"]
    readonly_fields = ["created_by", "source", "file_name", "size", "state", "total", "done",
                       "counts", "error_count", "failure", "created_at", "started_at",
                       "finished_at"]
    exclude = ["file", "errors", "language", "heartbeat_at"]

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: ImportJob) -> str:
        url = reverse("admin:hosting_service_import_progress", args=[obj.pk])
        return format_html('<progress max="100" value="{}"></progress> <a href="{}">{} %</a>',
                           obj.percent, url, obj.percent)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
