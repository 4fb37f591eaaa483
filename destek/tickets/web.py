"""What web pages (desk, portal, KB, live chat) share about tickets: the one way a staff page
fetches a ticket (through its accessor, 'not yours' and 'does not exist' both a plain 404),
how an attachment is downloaded, and the one colour map of status and priority badges."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from destek.accounts.web import acting_user
from destek.core.downloads import file_download
from destek.core.errors import NotFound
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import Attachment, Priority, Status, Ticket


def ticket_or_404(request: HttpRequest, ticket_id: int, *, for_update: bool = False,
                  related: tuple[str, ...] = ()) -> Ticket:
    """access_ticket_by_id, with 'not yours' and 'does not exist' both becoming a plain 404."""
    try:
        return access_ticket_by_id(actor=acting_user(request), ticket_id=ticket_id,
                                   for_update=for_update, related=related)
    except NotFound:
        raise Http404("Ticket not found.") from None



def serve_attachment(attachment: Attachment) -> FileResponse:
    """Call only with an attachment obtained through destek.tickets.access."""
    return file_download(attachment.file, name=attachment.original_name,
                         content_type=attachment.content_type)


# Bootstrap badge classes, the same on every page that shows a ticket's status or priority.
PRIORITY_BADGES: dict[int, str] = {
    Priority.LOW: "text-bg-light border",
    Priority.NORMAL: "text-bg-secondary",
    Priority.HIGH: "text-bg-warning",
    Priority.CRITICAL: "text-bg-danger",
}
STATUS_BADGES: dict[str, str] = {
    Status.NEW: "text-bg-primary",
    Status.OPEN: "text-bg-info",
    Status.PENDING: "text-bg-warning",
    Status.ON_HOLD: "text-bg-secondary",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-dark",
}
OTHER_BADGE = "text-bg-secondary"


def priority_badge(priority: int) -> str:
    return PRIORITY_BADGES.get(priority, OTHER_BADGE)


def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, OTHER_BADGE)
