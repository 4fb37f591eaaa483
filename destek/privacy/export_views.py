"""The export pages: "Your data" in the portal (a customer's own) and the administrators'
customer privacy pages in the desk. Thin: the rules are in export_services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from destek.accounts.models import User
from destek.accounts.web import acting_user, admin_required
from destek.core.downloads import file_download
from destek.core.errors import ApplicationError, NotFound
from destek.privacy.export_jobs import expiry_days
from destek.privacy.export_models import ExportStatus
from destek.privacy.export_presenters import ExportRow, present_export
from destek.privacy.export_services import (
    access_customer_by_id,
    access_export_by_id,
    customer_search,
    export_downloaded,
    export_list,
    export_request,
)


def _active(rows: list[ExportRow]) -> ExportRow | None:
    return next((row for row in rows if row.is_active), None)


def _status(request: HttpRequest, export_id: int, *, desk: bool) -> JsonResponse:
    try:
        job = access_export_by_id(actor=acting_user(request), export_id=export_id)
    except NotFound:
        raise Http404("Not found.") from None
    response = JsonResponse(present_export(job, desk=desk).as_json())
    response["Cache-Control"] = "no-store"
    return response


def _download(request: HttpRequest, export_id: int) -> FileResponse:
    actor = acting_user(request)
    try:
        job = access_export_by_id(actor=actor, export_id=export_id)
    except NotFound:
        raise Http404("Not found.") from None
    if job.status != ExportStatus.DONE or not job.file or (
            job.expires_at is not None and job.expires_at <= timezone.now()):
        raise Http404("Not found.")
    response = file_download(job.file, content_type="application/zip",
                             name=f"destek-export-{job.finished_at or job.created_at:%Y-%m-%d}"
                                  f"-{job.pk}.zip")
    export_downloaded(actor=actor, job=job, request=request)
    return response


# --- portal: the signed-in customer's own data -----------------------------------------------

@require_GET
@login_required
def data_page(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not user.is_customer:
        return redirect("home")
    rows = [present_export(job, desk=False) for job in export_list(actor=user, customer=user)]
    return render(request, "privacy/export_portal.html",
                  {"rows": rows, "active": _active(rows), "expiry_days": expiry_days()})


@require_POST
@login_required
def export_request_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not user.is_customer:
        raise Http404("Not found.")
    try:
        export_request(actor=user, customer=user, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your export is being prepared. We will also email you "
                                    "a link when it is ready."))
    return redirect("portal:data")


@require_GET
@login_required
def export_status(request: HttpRequest, export_id: int) -> JsonResponse:
    return _status(request, export_id, desk=False)


@require_GET
@login_required
def export_download(request: HttpRequest, export_id: int) -> FileResponse:
    return _download(request, export_id)


# --- desk: administrators, for any customer --------------------------------------------------

@require_GET
@admin_required
def privacy_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:254]
    results = customer_search(actor=acting_user(request), query=query)
    return render(request, "privacy/export_desk_search.html",
                  {"query": query, "results": results})


def _customer_or_404(request: HttpRequest, user_id: int) -> User:
    try:
        return access_customer_by_id(actor=acting_user(request), user_id=user_id)
    except NotFound:
        raise Http404("Not found.") from None


@require_GET
@admin_required
def privacy_customer(request: HttpRequest, user_id: int) -> HttpResponse:
    customer = _customer_or_404(request, user_id)
    rows = [present_export(job, desk=True)
            for job in export_list(actor=acting_user(request), customer=customer)]
    return render(request, "privacy/export_desk_customer.html",
                  {"customer": customer, "rows": rows, "active": _active(rows)})


@require_POST
@admin_required
def privacy_export_request(request: HttpRequest, user_id: int) -> HttpResponse:
    customer = _customer_or_404(request, user_id)
    try:
        export_request(actor=acting_user(request), customer=customer, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The export is being prepared. We will also email you "
                                    "a link when it is ready."))
    return redirect("desk:privacy_customer", user_id=customer.pk)


@require_GET
@admin_required
def privacy_export_status(request: HttpRequest, export_id: int) -> JsonResponse:
    return _status(request, export_id, desk=True)


@require_GET
@admin_required
def privacy_export_download(request: HttpRequest, export_id: int) -> FileResponse:
    return _download(request, export_id)
