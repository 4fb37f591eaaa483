"""Serving stored attachments: always as a download, never rendered by the browser."""

from __future__ import annotations

from django.http import FileResponse, Http404

from destek.tickets.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """Call only with an attachment obtained through destek.tickets.access."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("Attachment not found.") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
