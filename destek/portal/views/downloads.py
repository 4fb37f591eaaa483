"""Attachments are only ever served through a permission check, as downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from destek.core.errors import NotFound
from destek.portal.views.common import portal_user
from destek.tickets.access import access_attachment_by_id
from destek.tickets.web import serve_attachment


@require_GET
@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        attachment = access_attachment_by_id(actor=portal_user(request),
                                             attachment_id=attachment_id)
    except NotFound:
        raise Http404("Attachment not found.") from None
    return serve_attachment(attachment)
