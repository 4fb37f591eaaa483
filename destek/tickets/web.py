"""The one way a staff page fetches a ticket: through its accessor, with 'not yours' and
'does not exist' both a plain 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from destek.accounts.web import acting_user
from destek.core.errors import NotFound
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import Ticket


def ticket_or_404(request: HttpRequest, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """access_ticket_by_id, with 'not yours' and 'does not exist' both becoming a plain 404."""
    try:
        return access_ticket_by_id(actor=acting_user(request), ticket_id=ticket_id,
                                   for_update=for_update)
    except NotFound:
        raise Http404("Ticket not found.") from None
