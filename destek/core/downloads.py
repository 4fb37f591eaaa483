"""Serving a stored file (ticket, KB or chat attachment): the same protective headers for all.

Whoever calls this has already decided that the requester may have the file (through the
app's access_* accessor); this only decides how the browser gets it: as a download (never
rendered as a page of this site), with a sandboxing CSP in case it is opened anyway, no type
sniffing, and not kept in shared caches.
"""

from __future__ import annotations

import io

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

SANDBOX_CSP = "default-src 'none'; sandbox"
NOT_STORED = "private, no-store"
UNKNOWN_TYPE = "application/octet-stream"


def file_download(file: FieldFile, *, name: str, content_type: str = "",
                  inline: bool = False, cache_control: str = NOT_STORED) -> FileResponse:
    """The file as a download named `name`. `inline` (KB images shown inside articles) lets
    the browser display it; the CSP and nosniff still apply."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("File not found.") from None
    response = FileResponse(handle, as_attachment=not inline, filename=name,
                            content_type=content_type or UNKNOWN_TYPE)
    if inline:
        response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = cache_control
    return response


def content_download(content: bytes, *, name: str) -> FileResponse:
    """Bytes that are not a stored file (a part read again from a received email) as a
    download that no browser will display or run: octet-stream, attachment, the same headers."""
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=name,
                            content_type=UNKNOWN_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = NOT_STORED
    return response
