"""Attachment downloads, through the same permission check as every other door."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request

from destek.api.base import ApiView, actor, error_responses
from destek.tickets.access import access_attachment_by_id
from destek.tickets.web import serve_attachment


class AttachmentDownloadApi(ApiView):
    @extend_schema(
        operation_id="attachments_download", tags=["tickets"],
        summary="Download an attachment",
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiResponse(
                       OpenApiTypes.BINARY, description="The file, as a download."),
                   **error_responses(404)},
    )
    def get(self, request: Request, attachment_id: int) -> FileResponse:
        attachment = access_attachment_by_id(actor=actor(request), attachment_id=attachment_id)
        return serve_attachment(attachment)
