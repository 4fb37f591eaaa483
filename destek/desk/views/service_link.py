"""The ticket's hosting service, set or changed by an agent from the customer panel."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from destek.accounts.web import acting_user, staff_required
from destek.core.errors import ApplicationError
from destek.desk.customer_panel import service_choices
from destek.desk.filters import parse_id
from destek.tickets.services.service_link import ticket_set_service
from destek.tickets.web import ticket_or_404


@staff_required
@require_http_methods(["GET", "POST"])
def ticket_service(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """GET: the select of the customer's services (htmx puts it in the panel). POST: set the
    service ("" for none). An agent reaches only the tickets their access allows
    (ticket_or_404), and only the customer's own or organization's services are accepted."""
    ticket = ticket_or_404(request, ticket_id)
    if request.method == "GET":
        return render(request, "desk/_service_form.html", {
            "ticket": ticket,
            "choices": service_choices(customer=ticket.customer, service_id=ticket.service_id)})
    raw = request.POST.get("service", "").strip()
    service_id = parse_id(raw)
    if raw and service_id is None:
        messages.error(request, _("Choose one of the customer's services."))
        return redirect("desk:ticket", ticket_id=ticket.pk)
    try:
        with transaction.atomic():
            locked = ticket_or_404(request, ticket_id, for_update=True)
            ticket_set_service(actor=acting_user(request), ticket=locked, service_id=service_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The ticket's service was saved."))
    return redirect("desk:ticket", ticket_id=ticket.pk)
