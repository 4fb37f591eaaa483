"""The sender's progress bar of an update's fan-out: the partial the desk's incident page
includes, and the endpoint it polls every 2 s (htmx) while the update is being sent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from destek.accounts.web import staff_required
from destek.status.models import IncidentUpdate


@require_GET
@staff_required
def fanout_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Any staff member may watch it (outsourced agents read incidents too); it shows counts
    only."""
    update = get_object_or_404(IncidentUpdate.objects.only(
        "pk", "fanout_state", "fanout_total", "fanout_done"), pk=pk)
    response = render(request, "status/desk/_fanout_progress.html", {"update": update})
    response["Cache-Control"] = "no-store"
    return response
