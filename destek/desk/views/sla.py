"""The ticket page's SLA panel.

The ticket page renders it in its own response (`sla_panel`, from the ticket it already
read: no second request on load). `ticket_sla` serves the same panel alone, for a client
that wants to refresh it without reloading the page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from destek.accounts.web import staff_required
from destek.desk import choices
from destek.desk.sla_presenters import present_sla
from destek.sla.selectors import sla_history
from destek.tickets.models import Ticket
from destek.tickets.web import ticket_or_404


def sla_panel(*, ticket: Ticket, snap: choices.Snapshot | None = None) -> dict[str, Any] | None:
    """What desk/_sla_panel.html prints: one query without an SLA row, three with one."""
    history = sla_history(ticket=ticket)
    if history is None:
        return None
    names = {a.id: a.label for a in (snap or choices.snapshot()).agents}  # who was told
    return present_sla(history, now=timezone.now(), warn_at=history.warn_at, names=names)


@staff_required
@require_GET
def ticket_sla(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    return render(request, "desk/_sla_panel.html", {"sla": sla_panel(ticket=ticket),
                                                    "ticket": ticket})
