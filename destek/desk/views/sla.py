"""The ticket page's SLA panel, loaded by htmx after the page: the ticket view keeps its
fixed query count, and the panel costs its own (ticket, SLA row, ended targets, alerts)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from destek.accounts.web import staff_required
from destek.desk import choices
from destek.desk.sla_presenters import present_sla
from destek.sla.selectors import sla_history
from destek.tickets.web import ticket_or_404


@staff_required
@require_GET
def ticket_sla(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, ticket_id)
    history = sla_history(ticket=ticket)
    names = {a.id: a.label for a in choices.snapshot().agents}  # who was told, no query
    panel = (present_sla(history, now=timezone.now(), warn_at=history.warn_at, names=names)
             if history is not None else None)
    return render(request, "desk/_sla_panel.html", {"sla": panel, "ticket": ticket})
